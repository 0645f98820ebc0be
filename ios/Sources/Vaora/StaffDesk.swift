// The staff desk of the idiomatic layer: venue staff record visitors who have no phone, from
// a personal code or an ID-card QR, each call off the caller's actor. Builds on Linux.
import Foundation

/// A desk at one venue (`venue`), opened with `VaoraDiary.openStaffDesk`. Each `record`
/// checks the scanned code or card, signs a staff check-in and queues it for sync, offline;
/// a refusal (`.codeRefused`: expired, uncertified under `requireCertified`, forged, not a
/// visitor's code) stores nothing.
public final class VaoraStaffDesk: @unchecked Sendable {
    private let raw: StaffDesk

    init(raw: StaffDesk) { self.raw = raw }

    /// The venue this desk records visits at.
    public var venue: VenueInfo { raw.venue() }

    /// Records the visitor whose personal code or ID-card QR the camera read, now.
    public func record(_ scannedText: String) async throws -> StaffVisit {
        let raw = self.raw
        return try await offActor { try raw.record(scanned: scannedText) }
    }
}
