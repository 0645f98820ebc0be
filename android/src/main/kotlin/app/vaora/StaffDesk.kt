// The staff desk of the idiomatic layer: venue staff record visitors who have no phone, from
// a personal code or an ID-card QR, each call on the diary's IO dispatcher. Pure Kotlin.
package app.vaora

import java.io.Closeable
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.withContext

/**
 * A desk at one venue ([venue]), opened with [VaoraDiary.openStaffDesk]. Each [record] checks
 * the scanned code or card, signs a staff check-in and queues it for sync, offline; a refusal
 * ([ErrorCode.CODE_REFUSED]: expired, uncertified under `requireCertified`, forged, not a
 * visitor's code) stores nothing. Close it when the desk screen goes away.
 */
class VaoraStaffDesk internal constructor(
    private val raw: StaffDesk,
    private val io: CoroutineDispatcher,
) : Closeable {
    /** The venue this desk records visits at. */
    val venue: VenueInfo get() = raw.venue()

    /** Records the visitor whose personal code or ID-card QR the camera read, now. */
    suspend fun record(scannedText: String): StaffVisit = withContext(io) { raw.record(scannedText) }

    override fun close() = raw.close()
}
