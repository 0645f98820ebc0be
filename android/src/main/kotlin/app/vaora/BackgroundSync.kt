// One background sync run, as WorkManager's `SyncWorker` (app/vaora/android) and any other
// scheduler use it: open the diary, sync, hand the alerts this run found to the app, close.
// The alerts are already stored in the diary by then (`VaoraDiary.alerts()` lists them when
// the app next opens), so a notification that fails to show loses nothing. Pure Kotlin:
// tested on the JVM against a real server.
package app.vaora

/** How a background run ended, and what the scheduler should do about it. */
sealed class BackgroundSyncResult {
    /** Synced; [summary] says what moved and which alerts were new. */
    data class Done(val summary: SyncSummary) : BackgroundSyncResult()

    /** Offline, the server busy, or the key store locked: try again later (WorkManager `retry()`). */
    data class RetryLater(val error: VaoraException) : BackgroundSyncResult()

    /** Retrying will not help (not registered, refused, a damaged diary): `failure()`. */
    data class Failed(val error: VaoraException) : BackgroundSyncResult()
}

/**
 * One sync run for a scheduler.
 *
 * @param openDiary opens the app's diary (the run closes it when done).
 * @param onNewAlerts called with the alerts this run found, if any, before the run ends:
 *   post a notification (Android: `AlertNotifications.show`). Already stored in the diary.
 * @param server null: the server the device registered with.
 */
class BackgroundSync(
    private val openDiary: suspend () -> VaoraDiary,
    private val onNewAlerts: suspend (List<ExposureAlert>) -> Unit,
    private val server: String? = null,
    private val transport: HttpTransport = HttpUrlConnectionTransport(),
) {
    suspend fun run(): BackgroundSyncResult = try {
        openDiary().use { diary ->
            val summary = diary.sync(server = server, transport = transport)
            if (summary.newAlerts.isNotEmpty()) onNewAlerts(summary.newAlerts)
            BackgroundSyncResult.Done(summary)
        }
    } catch (e: VaoraException) {
        when (e.code) {
            ErrorCode.NETWORK, ErrorCode.OFFLINE, ErrorCode.KEY_STORE_FAILED, ErrorCode.STORAGE ->
                BackgroundSyncResult.RetryLater(e)
            else -> BackgroundSyncResult.Failed(e)
        }
    }
}
