// JVM stand-ins for android.security.keystore (see README.md beside this file). Type
// checking only: the JVM has no "AndroidKeyStore" provider, so the adapter is not run.
@file:Suppress("UNUSED_PARAMETER", "unused")

package android.security.keystore

import java.security.InvalidKeyException
import java.security.spec.AlgorithmParameterSpec

class KeyPermanentlyInvalidatedException : InvalidKeyException()

object KeyProperties {
    const val KEY_ALGORITHM_AES: String = "AES"
    const val PURPOSE_ENCRYPT: Int = 1
    const val PURPOSE_DECRYPT: Int = 2
    const val BLOCK_MODE_GCM: String = "GCM"
    const val ENCRYPTION_PADDING_NONE: String = "NoPadding"
}

class KeyGenParameterSpec private constructor() : AlgorithmParameterSpec {
    class Builder(keystoreAlias: String, purposes: Int) {
        fun setBlockModes(vararg blockModes: String): Builder = this
        fun setEncryptionPaddings(vararg paddings: String): Builder = this
        fun setKeySize(keySize: Int): Builder = this
        fun build(): KeyGenParameterSpec = KeyGenParameterSpec()
    }
}
