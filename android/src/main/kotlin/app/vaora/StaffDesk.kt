// The staff desk, idiomatic: venue staff scan the personal codes and ID cards of visitors
// without a phone. Every call is a suspend function on the diary's IO dispatcher, like
// VaoraDiary's. Pure Kotlin over the generated `StaffDesk`.
package app.vaora

import java.time.Instant
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.withContext

/**
 * A staff desk bound to one venue, from [VaoraDiary.openStaffDesk].
 *
 * Feed it every text the camera reads ([scan]; [scanCodes] for a whole frame's codes): it
 * answers a new text once with a [DeskAnswer] (who, how identified, and the [DeskVerdict])
 * and returns null while the same text keeps coming back within the repeat window, so a
 * card held up at 30 frames/s is one answer. [DeskVerdict.Accepted] means the visit is
 * signed and queued for sync, offline. Visits end by [checkOut] or the venue's default stay.
 */
class VaoraStaffDesk internal constructor(
    private val raw: StaffDesk,
    private val io: CoroutineDispatcher,
    private val checkOpen: () -> Unit,
) : AutoCloseable {
    private suspend fun <T> call(block: (StaffDesk) -> T): T {
        checkOpen()
        return withContext(io) {
            checkOpen()
            block(raw)
        }
    }

    /** The venue this desk records visits at. */
    suspend fun venue(): VenueInfo = call { it.venue() }

    /** Answers one decoded text; null while it repeats within the repeat window. */
    suspend fun scan(text: String): DeskAnswer? = call { it.scan(text) }

    /** Answers every code of one frame (from [VaoraDiary.scanCodes]); repeats are left out. */
    suspend fun scanCodes(codes: List<ClassifiedCode>): List<DeskAnswer> =
        call { desk -> codes.mapNotNull { desk.scan(it.text) } }

    /** Checks a visitor out now; returns when the visit ended. */
    suspend fun checkOut(checkinId: String): Instant = call { it.checkOut(checkinId) }

    /** Today's visitors here, newest first, each [DeskVisitState.INSIDE], checked out or ended by the stay. */
    suspend fun visitorsToday(): List<DeskVisit> = call { it.visitorsToday() }

    /** Changes the settings (e.g. require certified codes); every text is answered afresh. */
    suspend fun setSettings(settings: DeskSettings) = call { it.setSettings(settings) }

    /** Releases the native desk (the diary stays open). */
    override fun close() = raw.close()
}

/** The decoded text a classified code came from. */
val ClassifiedCode.text: String
    get() = when (this) {
        is ClassifiedCode.Venue -> code.text
        is ClassifiedCode.Personal -> check.text
        is ClassifiedCode.CitizenId -> text
        is ClassifiedCode.HealthInsurance -> text
        is ClassifiedCode.Unknown -> text
    }
