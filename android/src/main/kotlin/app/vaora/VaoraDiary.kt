// The idiomatic entry point: an open diary as a Closeable whose blocking calls run on an
// IO dispatcher (SQLCipher and the key store may block), so callers use plain suspend calls.
// Pure Kotlin over the generated bindings: compiled and tested on the JVM.
package app.vaora

import app.vaora.ffi.DiaryOptions
import app.vaora.ffi.HttpTransport
import app.vaora.ffi.KeyStore
import app.vaora.ffi.SyncCancel
import app.vaora.ffi.SyncListener
import app.vaora.ffi.SyncSummary
import app.vaora.ffi.Vaora
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.io.Closeable

class VaoraDiary private constructor(
    /** The generated object, for calls this layer does not wrap yet. */
    val raw: Vaora,
    private val io: CoroutineDispatcher,
) : Closeable {
    companion object {
        /**
         * Opens (or creates) the diary at [path]. The key is made by Rust and sealed by
         * [keyStore]; throws `VaoraException.Key` with code KEY_LOST when it cannot be
         * unsealed any more (then offer [recoverAfterKeyLoss]).
         */
        suspend fun open(
            path: String,
            keyStore: KeyStore,
            options: DiaryOptions = DiaryOptions(),
            io: CoroutineDispatcher = Dispatchers.IO,
        ): VaoraDiary = withContext(io) { VaoraDiary(Vaora.open(path, keyStore, options), io) }
    }

    /** Runs [block] against the generated object on the IO dispatcher. */
    suspend fun <T> call(block: (Vaora) -> T): T = withContext(io) { block(raw) }

    suspend fun devicePublicKey(): ByteArray = call { it.devicePublicKey() }

    /** Registers this device with [server] (once); returns the device id. */
    suspend fun registerDevice(server: String, transport: HttpTransport = HttpUrlConnectionTransport()): String =
        raw.registerDevice(transport, server)

    /**
     * Uploads the outbox, downloads keys and exposure windows, matches them, over the
     * platform's HTTP ([transport]). Cancelling the coroutine stops it (nothing is lost).
     */
    suspend fun sync(
        server: String? = null,
        listener: SyncListener? = null,
        cancel: SyncCancel? = null,
        transport: HttpTransport = HttpUrlConnectionTransport(),
    ): SyncSummary = raw.sync(transport, server, listener, cancel)

    /** Releases the database now (otherwise it is released when garbage-collected). */
    override fun close() = raw.close()
}
