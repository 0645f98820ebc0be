// The idiomatic entry point: an open diary as a Closeable whose blocking calls run on an
// IO dispatcher (SQLCipher and the key store may block), so callers use plain suspend calls.
// Pure Kotlin over the generated bindings: compiled and tested on the JVM.
package app.vaora

import app.vaora.ffi.DiaryOptions
import app.vaora.ffi.KeyStore
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

    /** Releases the database now (otherwise it is released when garbage-collected). */
    override fun close() = raw.close()
}
