import Crypto
import Foundation
import RampartHTTP

/// A JSON Web Token taken apart, and forged variants of it. Hand-written: jwt-kit, rightly, will not make the
/// broken tokens these checks need (`alg: none`, stripped signatures, HS256 keyed with a public key).
struct JWT {
    var header: [String: Any]
    var payload: [String: Any]
    var signature: String

    init?(_ token: String) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let header = Base64URL.decode(parts[0]).flatMap({ try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }),
              let payload = Base64URL.decode(parts[1]).flatMap({ try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }) else { return nil }
        self.header = header
        self.payload = payload
        signature = parts[2]
        original = token
    }

    private(set) var original = ""
    var algorithm: String { header["alg"] as? String ?? "" }
    var signingInput: String { original.split(separator: ".", omittingEmptySubsequences: false).prefix(2).joined(separator: ".") }

    static func encode(_ object: [String: Any]) -> String {
        Base64URL.encode((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    /// A token with these parts, HS256-signed with `key`, or unsigned when `key` is nil.
    static func make(header: [String: Any], payload: [String: Any], key: Data?) -> String {
        let input = encode(header) + "." + encode(payload)
        guard let key else { return input + "." }
        return input + "." + Base64URL.encode(Data(HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: key))))
    }

    /// The token with `=` padding added to its header and payload segments (base64 rather than base64url's unpadded form).
    static func padded(_ token: String) -> String {
        var parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        for index in parts.indices.prefix(2) where parts[index].count % 4 != 0 {
            parts[index] += String(repeating: "=", count: 4 - parts[index].count % 4)
        }
        return parts.joined(separator: ".")
    }

    /// The payload with a fresh `iat`, so that a forged token is never byte-identical to one the server issued.
    var touchedPayload: [String: Any] {
        var payload = payload
        payload["iat"] = Int(Date().timeIntervalSince1970) - 5
        return payload
    }
}

/// Offline HMAC secret cracking: one captured HS256/384/512 token against lists of secrets.
enum JWTCracker {
    /// Secrets from framework docs, tutorials and defaults; the first place to look.
    static let builtIn = [
        "secret", "secret123", "secretkey", "secret-key", "secret_key", "supersecret", "super-secret", "mysecret", "my-secret", "mysecretkey",
        "changeme", "change-me", "changeit", "password", "password123", "123456", "12345678", "qwerty", "admin", "test", "testing", "dev",
        "development", "default", "key", "jwt", "jwt-secret", "jwt_secret", "jwtsecret", "JWT_SECRET", "your-256-bit-secret", "your-secret-key",
        "your_jwt_secret", "shhhhh", "shhhhhared-secret", "keyboard cat", "token", "tokensecret", "s3cr3t", "hello", "hmac", "HS256",
        "django-insecure", "laravel", "rails", "flask", "express", "nodejs", "spring", "app-secret", "appsecret", "api-secret", "apisecret",
        "auth-secret", "private", "privatekey", "1234567890", "abc123", "letmein", "welcome", "gfg_jwt_secret_key", "SECRET_KEY", "example",
    ]

    /// The longer lists, tried when the built-in one fails: the shipped words with their usual variations (never a
    /// file of the machine, which a fresh one lacks), then `--jwt-wordlist`.
    static func candidates(wordlist: String?) -> [String] {
        let given = wordlist.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }.map { $0.split(whereSeparator: \.isNewline).map(String.init) } ?? []
        return shippedVariations + given
    }

    /// `Words/secret-words.txt`, each word as written, lower-case, capitalised and upper-case, with the suffixes people
    /// add and with letters swapped for look-alike digits: about 20,000 secrets, a few milliseconds of HMAC.
    static let shippedVariations: [String] = {
        guard let url = Bundle.module.url(forResource: "Words/secret-words", withExtension: "txt"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        let words = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        let suffixes = ["", "1", "12", "123", "1234", "!", "2023", "2024", "2025", "2026", "_secret", "-secret", "secret", "key", "_key"]
        var seen = Set<String>()
        var result: [String] = []
        for word in words {
            let leet = word.lowercased().replacingOccurrences(of: "a", with: "4").replacingOccurrences(of: "e", with: "3")
                .replacingOccurrences(of: "i", with: "1").replacingOccurrences(of: "o", with: "0")
            for form in [word, word.lowercased(), word.capitalized, word.uppercased(), leet] {
                for suffix in suffixes where seen.insert(form + suffix).inserted { result.append(form + suffix) }
            }
        }
        return result
    }()

    /// The secret that signed `token`, if it is in `candidates`. Splits the work across the machine's cores.
    static func crack(_ token: JWT, candidates: [String]) async -> String? {
        guard let signature = Base64URL.decode(token.signature) else { return nil }
        let input = Data(token.signingInput.utf8)
        let algorithm = token.algorithm
        guard ["HS256", "HS384", "HS512"].contains(algorithm) else { return nil }
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunk = (candidates.count + workers - 1) / workers
        return await withTaskGroup(of: String?.self) { group in
            for start in stride(from: 0, to: candidates.count, by: max(chunk, 1)) {
                let slice = candidates[start..<min(start + chunk, candidates.count)]
                group.addTask {
                    for secret in slice where matches(secret, input: input, signature: signature, algorithm: algorithm) { return secret }
                    return nil
                }
            }
            for await found in group where found != nil {
                group.cancelAll()
                return found
            }
            return nil
        }
    }

    static func matches(_ secret: String, input: Data, signature: Data, algorithm: String) -> Bool {
        let key = SymmetricKey(data: Data(secret.utf8))
        switch algorithm {
        case "HS384": return HMAC<SHA384>.isValidAuthenticationCode(signature, authenticating: input, using: key)
        case "HS512": return HMAC<SHA512>.isValidAuthenticationCode(signature, authenticating: input, using: key)
        default: return HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: input, using: key)
        }
    }
}
