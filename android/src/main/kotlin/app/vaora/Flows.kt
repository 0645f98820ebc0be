// Lists that follow the data: each Flow reads its list once, then again after every
// committed change to its area (one change notification from the core, `VaoraDiary.changes`),
// and emits only when the list actually differs. Collect them in `repeatOnLifecycle` (or
// `stateIn`) on the main thread: the reads run on the diary's IO dispatcher. Pure Kotlin.
package app.vaora

import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.channelFlow
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.flow.filter
import kotlinx.coroutines.launch

/**
 * A flow of [read]'s value: now, and after every change for which [touches] is true. It
 * listens before the first read, so a change made between the two is never missed.
 */
fun <T> VaoraDiary.watch(touches: (DiaryChange) -> Boolean, read: suspend VaoraDiary.() -> T): Flow<T> =
    channelFlow {
        val dirty = Channel<Unit>(Channel.CONFLATED)
        launch(start = CoroutineStart.UNDISPATCHED) {
            changes.filter(touches).collect { dirty.trySend(Unit) }
        }
        send(this@watch.read())
        while (true) {
            dirty.receive()
            send(this@watch.read())
        }
    }.distinctUntilChanged()

/** The household: owner first, then members. */
fun VaoraDiary.peopleFlow(): Flow<List<PersonInfo>> = watch({ it.people }) { people() }

/**
 * The newest [limit] check-ins (everyone's, or [personId]'s). Older ones: page with
 * [VaoraDiary.checkinPage] from this page's `next`.
 */
fun VaoraDiary.checkinsFlow(personId: String? = null, limit: Int = 50): Flow<CheckInPage> =
    watch({ it.checkins || it.people }) { checkinPage(personId, null, limit) }

/** Check-ins still open (a "checked in at …" banner). */
fun VaoraDiary.openCheckinsFlow(): Flow<List<CheckInInfo>> = watch({ it.checkins || it.people }) { openCheckins() }

/** What waits for sync. */
fun VaoraDiary.outboxCountsFlow(): Flow<OutboxCounts> = watch({ it.outbox }) { outboxCounts() }

/** Stored exposure alerts, newest first (a background sync's alerts show up here too). */
fun VaoraDiary.alertsFlow(): Flow<List<ExposureAlert>> = watch({ it.alerts }) { alerts() }
