// NOT BUILT HERE: needs the Android SDK and androidx.work.
//
// Drains the outbox in the background with WorkManager: one `sync` call per run, retried
// with WorkManager's backoff when the network or the server fails. The diary is opened with
// the Android Keystore key store and closed when the work ends.
package app.vaora.android

import android.content.Context
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import app.vaora.VaoraDiary
import app.vaora.code
import app.vaora.ffi.ErrorCode
import app.vaora.ffi.VaoraException
import java.util.concurrent.TimeUnit

class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val server = inputData.getString(KEY_SERVER) ?: return Result.failure()
        val path = applicationContext.filesDir.resolve("diary.db").path
        return try {
            VaoraDiary.open(path, AndroidKeystoreKeyStore()).use { diary ->
                // suspend: the Rust future is polled by this coroutine; HTTP goes through
                // HttpURLConnection (the system trust store and proxy settings).
                diary.sync(server)
            }
            Result.success()
        } catch (e: VaoraException) {
            when (e.code) {
                ErrorCode.NETWORK, ErrorCode.OFFLINE, ErrorCode.KEY_STORE_FAILED -> Result.retry()
                else -> Result.failure()
            }
        }
    }

    companion object {
        const val KEY_SERVER = "server"

        /** Schedules a sync every [hours] hours while a network is available. */
        fun schedule(context: Context, server: String, hours: Long = 6) {
            val request = PeriodicWorkRequestBuilder<SyncWorker>(hours, TimeUnit.HOURS)
                .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
                .setInputData(androidx.work.workDataOf(KEY_SERVER to server))
                .build()
            WorkManager.getInstance(context)
                .enqueueUniquePeriodicWork("vaora-sync", ExistingPeriodicWorkPolicy.KEEP, request)
        }
    }
}
