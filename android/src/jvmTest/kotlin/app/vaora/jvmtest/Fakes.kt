// Test doubles for the foreign traits.
package app.vaora.jvmtest

import app.vaora.KeyStore
import app.vaora.KeyStoreException
import java.util.concurrent.atomic.AtomicInteger

/**
 * Seals by XOR with a per-instance pad behind a 4-byte tag: enough to prove that what Rust
 * writes to disk is the sealed form and that unsealing gives back the same key. Two
 * instances with different pads model "the key store changed": unsealing succeeds but
 * yields a different key.
 */
class XorKeyStore(private val pad: Byte) : KeyStore {
    val seals = AtomicInteger()
    val unseals = AtomicInteger()
    @Volatile var lastRawKey: ByteArray? = null

    override fun seal(key: ByteArray): ByteArray {
        seals.incrementAndGet()
        lastRawKey = key.copyOf()
        return TAG + ByteArray(key.size) { (key[it].toInt() xor pad.toInt()).toByte() }
    }

    override fun unseal(sealed: ByteArray): ByteArray {
        unseals.incrementAndGet()
        if (sealed.size < 4 || !sealed.copyOfRange(0, 4).contentEquals(TAG)) {
            throw KeyStoreException.Unavailable("not sealed by this store")
        }
        val body = sealed.copyOfRange(4, sealed.size)
        return ByteArray(body.size) { (body[it].toInt() xor pad.toInt()).toByte() }
    }

    companion object {
        val TAG = byteArrayOf(0x53, 0x45, 0x41, 0x4c)
    }
}

/** A key store whose wrapping key is gone (Android: KeyPermanentlyInvalidatedException). */
class LostKeyStore : KeyStore {
    override fun seal(key: ByteArray): ByteArray = throw KeyStoreException.KeyLost("wrapping key invalidated")
    override fun unseal(sealed: ByteArray): ByteArray = throw KeyStoreException.KeyLost("wrapping key invalidated")
}

/** A broken key store that unseals to the wrong length. */
class ShortKeyStore : KeyStore {
    override fun seal(key: ByteArray): ByteArray = key.copyOf()
    override fun unseal(sealed: ByteArray): ByteArray = sealed.copyOf(31)
}
