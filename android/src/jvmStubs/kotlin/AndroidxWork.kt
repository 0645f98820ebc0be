// JVM stand-ins for androidx.work (WorkManager) (see README.md beside this file).
@file:Suppress("UNUSED_PARAMETER", "unused")

package androidx.work

import android.content.Context
import java.util.concurrent.TimeUnit

class WorkerParameters

abstract class ListenableWorker(private val context: Context, params: WorkerParameters) {
    /** `getApplicationContext()`. */
    val applicationContext: Context
        get() = context

    abstract class Result private constructor() {
        class Success : Result()
        class Retry : Result()
        class Failure : Result()

        companion object {
            @JvmStatic fun success(): Result = Success()
            @JvmStatic fun retry(): Result = Retry()
            @JvmStatic fun failure(): Result = Failure()
        }
    }
}

abstract class CoroutineWorker(context: Context, params: WorkerParameters) : ListenableWorker(context, params) {
    abstract suspend fun doWork(): Result
}

enum class NetworkType { NOT_REQUIRED, CONNECTED, UNMETERED }

enum class ExistingPeriodicWorkPolicy { REPLACE, KEEP, UPDATE, CANCEL_AND_REENQUEUE }

class Constraints private constructor(val requiredNetworkType: NetworkType) {
    class Builder {
        private var network = NetworkType.NOT_REQUIRED
        fun setRequiredNetworkType(networkType: NetworkType): Builder = apply { network = networkType }
        fun build(): Constraints = Constraints(network)
    }
}

class PeriodicWorkRequest(val workerClass: Class<out ListenableWorker>, val intervalMillis: Long, val constraints: Constraints?) {
    class Builder(private val workerClass: Class<out ListenableWorker>, private val intervalMillis: Long) {
        private var constraints: Constraints? = null
        fun setConstraints(constraints: Constraints): Builder = apply { this.constraints = constraints }
        fun build(): PeriodicWorkRequest = PeriodicWorkRequest(workerClass, intervalMillis, constraints)
    }
}

/** work-runtime's Kotlin builder function. */
inline fun <reified W : ListenableWorker> PeriodicWorkRequestBuilder(
    repeatInterval: Long,
    repeatIntervalTimeUnit: TimeUnit,
): PeriodicWorkRequest.Builder = PeriodicWorkRequest.Builder(W::class.java, repeatIntervalTimeUnit.toMillis(repeatInterval))

interface Operation

/** Keeps what was enqueued, by unique name. */
class WorkManager private constructor() {
    val enqueued = java.util.concurrent.ConcurrentHashMap<String, Pair<ExistingPeriodicWorkPolicy, PeriodicWorkRequest>>()

    fun enqueueUniquePeriodicWork(
        uniqueWorkName: String,
        existingPeriodicWorkPolicy: ExistingPeriodicWorkPolicy,
        periodicWork: PeriodicWorkRequest,
    ): Operation {
        enqueued[uniqueWorkName] = existingPeriodicWorkPolicy to periodicWork
        return object : Operation {}
    }

    companion object {
        private val instance = WorkManager()

        @JvmStatic
        fun getInstance(context: Context): WorkManager = instance
    }
}
