// The iOS KeyStore: the diary key lives in the Keychain as a generic password item that is
// only readable after first unlock and never leaves this device (not in backups restored
// elsewhere). "Sealing" stores the key there and returns a random item name; "unsealing"
// reads the item back. A missing item means the key is lost (e.g. restored onto a new device).
// Needs the Security framework: Apple platforms only, not built on Linux (not built here).
#if canImport(Security)
import Foundation
import Security
import VaoraFFI

public final class KeychainKeyStore: KeyStore, @unchecked Sendable {
    private let service: String

    public init(service: String = "app.vaora.diary-key") {
        self.service = service
    }

    public func seal(key: Data) throws -> Data {
        let account = UUID().uuidString
        let query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
            kSecValueData as String: key,
        ]
        let status = SecItemAdd(query as CFDictionary, nil)
        guard status == errSecSuccess else {
            throw KeyStoreError.Unavailable(reason: "SecItemAdd failed: \(status)")
        }
        return Data(account.utf8)
    }

    public func unseal(sealed: Data) throws -> Data {
        let account = String(decoding: sealed, as: UTF8.self)
        let query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecReturnData as String: true,
            kSecMatchLimit as String: kSecMatchLimitOne,
        ]
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        switch status {
        case errSecSuccess:
            guard let data = item as? Data else {
                throw KeyStoreError.Unavailable(reason: "the Keychain item holds no data")
            }
            return data
        case errSecItemNotFound:
            throw KeyStoreError.KeyLost(reason: "the Keychain item is gone")
        case errSecInteractionNotAllowed:
            throw KeyStoreError.Unavailable(reason: "the device is locked")
        default:
            throw KeyStoreError.Unavailable(reason: "SecItemCopyMatching failed: \(status)")
        }
    }
}
#endif
