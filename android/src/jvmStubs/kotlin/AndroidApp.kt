// JVM stand-ins for android.app notifications (see README.md beside this file).
@file:Suppress("UNUSED_PARAMETER", "unused")

package android.app

import android.content.Context

class PendingIntent

class NotificationChannel(val id: String, val name: CharSequence, val importance: Int)

class Notification(val channelId: String?, val title: CharSequence?, val text: CharSequence?) {
    class Builder(private val context: Context, private val channelId: String?) {
        private var title: CharSequence? = null
        private var text: CharSequence? = null

        @Deprecated("use Builder(Context, String)")
        constructor(context: Context) : this(context, null)

        fun setSmallIcon(icon: Int): Builder = this
        fun setContentTitle(title: CharSequence?): Builder = apply { this.title = title }
        fun setContentText(text: CharSequence?): Builder = apply { this.text = text }
        fun setAutoCancel(autoCancel: Boolean): Builder = this
        fun setContentIntent(intent: PendingIntent?): Builder = this
        fun build(): Notification = Notification(channelId, title, text)
    }
}

/** Keeps the channels made and the notifications shown. */
open class NotificationManager {
    val channels = mutableListOf<NotificationChannel>()
    val shown = mutableListOf<Pair<Int, Notification>>()

    fun createNotificationChannel(channel: NotificationChannel) {
        channels += channel
    }

    fun notify(id: Int, notification: Notification) {
        shown += id to notification
    }

    companion object {
        const val IMPORTANCE_HIGH: Int = 4
    }
}
