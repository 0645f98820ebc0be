// The staff desk, idiomatic: venue staff scan the personal codes and ID cards of visitors
// without a phone. Every call runs off the caller's actor, like VaoraDiary's. Builds on Linux.
import Foundation
import VaoraFFI

/// A staff desk bound to one venue, from `VaoraDiary.openStaffDesk`.
///
/// Feed it every text the camera reads (`scan`; `scan(codes:)` for a whole frame's codes):
/// it answers a new text once with a `DeskAnswer` (who, how identified, and the
/// `DeskVerdict`) and returns nil while the same text keeps coming back within the repeat
/// window, so a card held up at 30 frames/s is one answer. `.accepted` means the visit is
/// signed and queued for sync, offline. Visits end by `checkOut` or the venue's default stay.
public final class VaoraStaffDesk: @unchecked Sendable {
    private let raw: StaffDesk
    private let checkOpen: @Sendable () throws -> Void

    init(raw: StaffDesk, checkOpen: @escaping @Sendable () throws -> Void) {
        self.raw = raw
        self.checkOpen = checkOpen
    }

    private func call<T: Sendable>(_ body: @escaping @Sendable (StaffDesk) throws -> T) async throws -> T {
        try checkOpen()
        let raw = self.raw
        let checkOpen = self.checkOpen
        return try await offActor {
            try checkOpen()
            return try body(raw)
        }
    }

    /// The venue this desk records visits at.
    public func venue() async throws -> VenueInfo { try await call { try $0.venue() } }

    /// Answers one decoded text; nil while it repeats within the repeat window.
    public func scan(_ text: String) async throws -> DeskAnswer? { try await call { try $0.scan(text: text) } }

    /// Answers every code of one frame (from `VaoraDiary.scanCodes`); repeats are left out.
    public func scan(codes: [ClassifiedCode]) async throws -> [DeskAnswer] {
        try await call { desk in try codes.compactMap { try desk.scan(text: $0.text) } }
    }

    /// Checks a visitor out now; returns when the visit ended.
    public func checkOut(_ checkinId: String) async throws -> Date {
        try await call { try $0.checkOut(checkinId: checkinId) }
    }

    /// Today's visitors here, newest first, with their state now.
    public func visitorsToday() async throws -> [DeskVisit] { try await call { try $0.visitorsToday() } }

    /// Changes the settings (e.g. require certified codes); every text is answered afresh.
    public func setSettings(_ settings: DeskSettings) async throws {
        try await call { try $0.setSettings(settings: settings) }
    }
}

extension ClassifiedCode {
    /// The decoded text this code came from.
    public var text: String {
        switch self {
        case let .venue(code): return code.text
        case let .personal(check): return check.text
        case let .citizenId(text): return text
        case let .healthInsurance(text): return text
        case let .unknown(text): return text
        }
    }
}
