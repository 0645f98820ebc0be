// Needs the Android SDK (android.app.Notification*). Here it compiles against the JVM stand-ins
// of android/src/jvmStubs and runs on the JVM in AndroidAdapterTests.
//
// The default notification hook of `SyncWorker`: one notification per background run that
// found exposure alerts. Apps with their own wording pass their own `onNewAlerts`.
package app.vaora.android

import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.os.Build
import app.vaora.ExposureAlert

object AlertNotifications {
    const val CHANNEL_ID = "vaora-exposure"
    private const val NOTIFICATION_ID = 0x7a01

    /**
     * Shows "possible exposure" for [alerts]. [open]: what a tap opens (the app's alert
     * screen); null opens nothing. Needs POST_NOTIFICATIONS on Android 13+ (the app asks).
     */
    fun show(context: Context, alerts: List<ExposureAlert>, open: PendingIntent? = null) {
        if (alerts.isEmpty()) return
        val manager = context.getSystemService(NotificationManager::class.java) ?: return
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.O) {
            manager.createNotificationChannel(
                NotificationChannel(CHANNEL_ID, "Exposure alerts", NotificationManager.IMPORTANCE_HIGH),
            )
        }
        val places = alerts.map { it.venueName }.distinct().joinToString(", ")
        val builder = if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.O) {
            android.app.Notification.Builder(context, CHANNEL_ID)
        } else {
            @Suppress("DEPRECATION")
            android.app.Notification.Builder(context)
        }
        builder.setSmallIcon(android.R.drawable.stat_sys_warning)
            .setContentTitle("Possible exposure")
            .setContentText(places)
            .setAutoCancel(true)
        if (open != null) builder.setContentIntent(open)
        manager.notify(NOTIFICATION_ID, builder.build())
    }
}
