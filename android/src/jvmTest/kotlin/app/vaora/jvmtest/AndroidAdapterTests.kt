// The Android adapters (app/vaora/android) run on the JVM against the stand-ins of
// android/src/jvmStubs: the CameraX analyzer, Image and Bitmap frames, the WorkManager
// worker and its schedule, the alert notification, and Logcat logging. The Keystore key
// store is type-checked only (the JVM has no AndroidKeyStore provider).
package app.vaora.jvmtest

import android.app.NotificationManager
import android.content.Context
import android.graphics.Bitmap
import android.graphics.ImageFormat
import android.media.Image
import androidx.camera.core.ImageInfo
import androidx.camera.core.ImageProxy
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ListenableWorker
import androidx.work.NetworkType
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import app.vaora.CameraFrame
import app.vaora.ErrorCode
import app.vaora.ExposureAlert
import app.vaora.LogLevel
import app.vaora.ManualCheckIn
import app.vaora.ScanSettings
import app.vaora.VaoraDiary
import app.vaora.VaoraException
import app.vaora.android.AlertNotifications
import app.vaora.android.LogcatLogger
import app.vaora.android.SyncWorker
import app.vaora.android.VaoraAnalyzer
import app.vaora.android.scanCodes
import app.vaora.android.toCameraFrame
import app.vaora.clearLogger
import app.vaora.code
import app.vaora.setLogger
import java.io.File
import java.nio.ByteBuffer
import java.time.Instant
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking

/** A CameraX image over a test frame's planes; notes when it is closed. */
class FakeImageProxy(private val frame: CameraFrame, rotation: Int = 0) : ImageProxy {
    var closed = 0
    override val format = ImageFormat.YUV_420_888
    override val width = frame.width
    override val height = frame.height
    override val imageInfo = object : ImageInfo {
        override val rotationDegrees = rotation
    }
    override val planes: Array<ImageProxy.PlaneProxy> = frame.planes.map { p ->
        object : ImageProxy.PlaneProxy {
            override val rowStride = p.rowStride
            override val pixelStride = p.pixelStride
            override val buffer: ByteBuffer = p.buffer
        }
    }.toTypedArray()

    override fun close() {
        closed++
    }
}

/** An app context with a files folder and, when given, a notification manager. */
class FakeContext(override val filesDir: File, private val notifications: NotificationManager? = null) : Context() {
    @Suppress("UNCHECKED_CAST")
    override fun <T> getSystemService(serviceClass: Class<T>): T? =
        if (serviceClass == NotificationManager::class.java) notifications as T? else null
}

object AndroidAdapterTests {
    fun run() {
        Harness.test("CameraX analyzer: codes from YUV_420_888 planes, every image closed, a bad frame reported") {
            val text = ScanTests.caseText("valid")
            val img = Luma(640, 480).apply { drawCode(text, 4, 150, 80) }
            val found = mutableListOf<List<String>>()
            val errors = mutableListOf<VaoraException>()
            VaoraAnalyzer(ScanSettings(budgetMs = 2000), onError = { errors += it }) { found += it }.use { analyzer ->
                val images = List(3) { FakeImageProxy(FrameMaker.yuv420(img)) }
                images.forEach { analyzer.analyze(it) }
                checkEq(List(3) { listOf(text) }, found.toList(), "codes of three frames")
                check(images.all { it.closed == 1 }) { "every image closed once" }
                val short = CameraFrame(640, 480, app.vaora.FrameFormat.YUV420, FrameMaker.yuv420(img).planes.map {
                    app.vaora.CameraPlane(CameraFrame.direct(ByteArray(16)), it.rowStride, it.pixelStride)
                })
                val bad = FakeImageProxy(short)
                analyzer.analyze(bad)
                checkEq(1, bad.closed, "a bad image is closed too")
                checkEq(listOf(ErrorCode.BAD_FRAME), errors.map { it.code }, "the bad frame reported")
            }
        }

        Harness.test("android.media.Image and Bitmap frames decode; a non-YUV Image is refused") {
            val text = ScanTests.caseText("valid")
            val img = Luma(640, 480).apply { drawCode(text, 4, 150, 80) }
            val yuv = FrameMaker.yuv420(img)
            fun image(pixelFormat: Int) = object : Image() {
                override val format = pixelFormat
                override val width = yuv.width
                override val height = yuv.height
                override val planes: Array<Plane> = yuv.planes.map { p ->
                    object : Plane() {
                        override val rowStride = p.rowStride
                        override val pixelStride = p.pixelStride
                        override val buffer: ByteBuffer = p.buffer
                    }
                }.toTypedArray()
                override fun close() {}
            }
            val still = ScanSettings(budgetMs = 2000, stillImage = true)
            checkEq(listOf(text), image(ImageFormat.YUV_420_888).toCameraFrame(90).let { f ->
                checkEq(90, f.rotationDegrees, "rotation kept")
                CameraFrame(f.width, f.height, f.format, f.planes).scan(still).codes.mapNotNull { it.text }
            }, "Image")
            expectThrows<IllegalArgumentException> { image(0x11).toCameraFrame(0) }
            val argb = IntArray(img.px.size) { val g = img.px[it].toInt() and 0xFF; (0xFF shl 24) or (g shl 16) or (g shl 8) or g }
            checkEq(listOf(text), Bitmap.createBitmap(argb, img.width, img.height, Bitmap.Config.ARGB_8888).scanCodes(), "ARGB_8888 bitmap")
            checkEq(listOf(text), Bitmap.createBitmap(argb, img.width, img.height, Bitmap.Config.RGB_565).scanCodes(), "another config, converted")
        }

        Harness.test("WorkManager worker: configure, schedule once (KEEP, network), run: failure before registering, success after") {
            val dir = freshDir("sync-worker")
            val store = XorKeyStore(0x5a)
            val path = File(dir, "diary.db").path
            runBlocking { VaoraDiary.open(path, store).use { it.checkInManually(ManualCheckIn("Chợ", at = Instant.now().minusSeconds(60))) } }
            val handed = mutableListOf<ExposureAlert>()
            SyncWorker.configure(diaryPath = { path }, keyStore = { store }, server = env("VAORA_SERVER_URL")) { _, alerts -> handed += alerts }
            val context = FakeContext(dir)
            SyncWorker.schedule(context)
            val (policy, request) = WorkManager.getInstance(context).enqueued.getValue("vaora-sync")
            checkEq(ExistingPeriodicWorkPolicy.KEEP, policy, "policy")
            checkEq(SyncWorker::class.java, request.workerClass, "worker")
            checkEq(TimeUnit.HOURS.toMillis(6), request.intervalMillis, "interval")
            checkEq(NetworkType.CONNECTED, request.constraints?.requiredNetworkType, "network")
            val unregistered = runBlocking { SyncWorker(context, WorkerParameters()).doWork() }
            check(unregistered is ListenableWorker.Result.Failure) { "unregistered: $unregistered" }
            runBlocking { VaoraDiary.open(path, store).use { it.registerDevice(env("VAORA_SERVER_URL")) } }
            val done = runBlocking { SyncWorker(context, WorkerParameters()).doWork() }
            check(done is ListenableWorker.Result.Success) { "registered: $done" }
            runBlocking { VaoraDiary.open(path, store).use { checkEq(0L, it.outboxCounts().pending, "the worker synced") } }
            checkEq(0, handed.size, "no alerts on this server")
        }

        Harness.test("alert notification: one per run, with the venues; nothing for no alerts") {
            val manager = NotificationManager()
            val context = FakeContext(freshDir("notify"), manager)
            fun alert(venue: String) = ExposureAlert("w", "p", "Bà", "v", venue, Instant.EPOCH, Instant.EPOCH.plusSeconds(60), 2)
            AlertNotifications.show(context, emptyList())
            checkEq(0, manager.shown.size, "nothing shown for no alerts")
            AlertNotifications.show(context, listOf(alert("Phở Hòa"), alert("Chợ Lớn"), alert("Phở Hòa")))
            checkEq(1, manager.shown.size, "one notification")
            val n = manager.shown.single().second
            checkEq("Possible exposure", n.title.toString(), "title")
            checkEq("Phở Hòa, Chợ Lớn", n.text.toString(), "venues, once each")
            checkEq(AlertNotifications.CHANNEL_ID, n.channelId, "channel")
            checkEq(listOf(AlertNotifications.CHANNEL_ID), manager.channels.map { it.id }, "channel made")
        }

        Harness.test("Logcat logger: Rust's log lines under the tag Vaora") {
            android.util.Log.lines.clear()
            setLogger(LogcatLogger(), LogLevel.INFO)
            try {
                DiaryTests.open("logcat").close()
            } finally {
                clearLogger()
            }
            check(android.util.Log.lines.any { it.startsWith("I/Vaora: ") && it.endsWith("diary opened") }) { "${android.util.Log.lines}" }
        }
    }
}
