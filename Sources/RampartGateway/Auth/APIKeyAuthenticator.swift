import Crypto
import Foundation

/// API keys from a header, compared against salted SHA-256 hashes in the configuration.
public struct APIKeyAuthenticator: Sendable {
    public let name: String
    public let header: String
    let keys: [GatewayConfiguration.APIKey]

    public init(name: String, header: String, keys: [GatewayConfiguration.APIKey]) {
        self.name = name
        self.header = header
        self.keys = keys
    }

    public func authenticate(_ presented: String) -> Principal? {
        for key in keys {
            let digest = SHA256.hash(data: Data((key.salt + presented).utf8)).map { String(format: "%02x", $0) }.joined()
            // Compared in constant time, so the answer time says nothing about how much of a hash matched.
            if Self.constantTimeEqual(digest, key.hash) {
                return Principal(authenticator: name, subject: key.name, roles: Set(key.roles), scopes: [], claims: ["sub": key.name])
            }
        }
        return nil
    }

    /// `sha256:SALT:HEX` for a key, as the configuration stores it.
    public static func hash(_ key: String, salt: String) -> String {
        "sha256:\(salt):" + SHA256.hash(data: Data((salt + key).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
