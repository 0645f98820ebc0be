// Needs the Android SDK and androidx.work. Here it compiles against the JVM stand-ins
// of android/src/jvmStubs and runs on the JVM in AndroidAdapterTests.
//
// Drains the outbox in the background with WorkManager and hands the exposure alerts a run
// finds to the app: one `BackgroundSync` run per work (pure Kotlin, tested on the JVM),
// retried with WorkManager's backoff when offline. The app configures it once, in
// `Application.onCreate`, with `SyncWorker.configure(...)` and `SyncWorker.schedule(...)`.
package app.vaora.android

import android.content.Context
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import app.vaora.BackgroundSync
import app.vaora.BackgroundSyncResult
import app.vaora.ExposureAlert
import app.vaora.KeyStore
import app.vaora.VaoraDiary
import java.util.concurrent.TimeUnit

class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    /** What the worker needs from the app; set once by [configure]. */
    class Config(
        val diaryPath: (Context) -> String,
        val keyStore: () -> KeyStore,
        val server: String?,
        val onNewAlerts: suspend (Context, List<ExposureAlert>) -> Unit,
    )

    override suspend fun doWork(): Result {
        val config = current ?: return Result.failure()
        val context = applicationContext
        val run = BackgroundSync(
            openDiary = { VaoraDiary.open(config.diaryPath(context), config.keyStore()) },
            onNewAlerts = { alerts -> config.onNewAlerts(context, alerts) },
            server = config.server,
        )
        return when (run.run()) {
            is BackgroundSyncResult.Done -> Result.success()
            is BackgroundSyncResult.RetryLater -> Result.retry()
            is BackgroundSyncResult.Failed -> Result.failure()
        }
    }

    companion object {
        @Volatile private var current: Config? = null

        /**
         * Call from `Application.onCreate` (WorkManager may start the worker in a fresh
         * process). [onNewAlerts] gets the alerts a background run found, already stored
         * in the diary: post a notification, e.g. with [AlertNotifications.show].
         */
        fun configure(
            diaryPath: (Context) -> String = { it.filesDir.resolve("diary.db").path },
            keyStore: () -> KeyStore = { AndroidKeystoreKeyStore() },
            server: String? = null,
            onNewAlerts: suspend (Context, List<ExposureAlert>) -> Unit = { c, a -> AlertNotifications.show(c, a) },
        ) {
            current = Config(diaryPath, keyStore, server, onNewAlerts)
        }

        /** Schedules a sync every [hours] hours while a network is available. */
        fun schedule(context: Context, hours: Long = 6) {
            val request = PeriodicWorkRequestBuilder<SyncWorker>(hours, TimeUnit.HOURS)
                .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
                .build()
            WorkManager.getInstance(context)
                .enqueueUniquePeriodicWork("vaora-sync", ExistingPeriodicWorkPolicy.KEEP, request)
        }
    }
}
