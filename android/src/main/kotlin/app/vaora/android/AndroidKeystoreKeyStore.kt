// Needs the Android SDK (android.security.keystore). Here it compiles against the JVM stand-ins
// of android/src/jvmStubs (type-checked only: the JVM has no AndroidKeyStore).
//
// The Android KeyStore: an AES-256-GCM key that never leaves the Keystore (hardware-backed
// where the device has it) wraps the diary key. Sealed form: 12-byte IV || ciphertext+tag.
// When Android invalidates the wrapping key (KeyPermanentlyInvalidatedException) or it is
// missing (app data restored onto another device), unsealing reports KeyLost, and the app
// offers Vaora.recoverAfterKeyLoss.
package app.vaora.android

import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.KeyProperties
import app.vaora.KeyStore
import app.vaora.KeyStoreException
import java.security.GeneralSecurityException
import java.security.KeyStore as JavaKeyStore
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

class AndroidKeystoreKeyStore(private val alias: String = "app.vaora.diary-key") : KeyStore {
    private val keystore: JavaKeyStore = JavaKeyStore.getInstance(PROVIDER).apply { load(null) }

    override fun seal(key: ByteArray): ByteArray = guard {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.ENCRYPT_MODE, wrappingKey(create = true))
        cipher.iv + cipher.doFinal(key)
    }

    override fun unseal(sealed: ByteArray): ByteArray = guard {
        if (sealed.size <= IV_BYTES) throw KeyStoreException.KeyLost("sealed key is truncated")
        val key = wrappingKey(create = false)
            ?: throw KeyStoreException.KeyLost("the Keystore key $alias is gone")
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(128, sealed, 0, IV_BYTES))
        cipher.doFinal(sealed, IV_BYTES, sealed.size - IV_BYTES)
    }

    private fun wrappingKey(create: Boolean): SecretKey? {
        (keystore.getKey(alias, null) as? SecretKey)?.let { return it }
        if (!create) return null
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, PROVIDER)
        generator.init(
            KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .build(),
        )
        return generator.generateKey()
    }

    private inline fun <T> guard(body: () -> T): T = try {
        body()
    } catch (e: KeyStoreException) {
        throw e
    } catch (e: KeyPermanentlyInvalidatedException) {
        throw KeyStoreException.KeyLost("wrapping key invalidated: ${e.javaClass.simpleName}")
    } catch (e: AEADBadTagException) {
        throw KeyStoreException.KeyLost("sealed key does not match the wrapping key")
    } catch (e: GeneralSecurityException) {
        throw KeyStoreException.Unavailable("${e.javaClass.simpleName}: ${e.message}")
    }

    private companion object {
        const val PROVIDER = "AndroidKeyStore"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val IV_BYTES = 12
    }
}
