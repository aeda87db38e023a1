import Crypto
import Foundation
import NIOConcurrencyHelpers
import _CryptoExtras

/// The lab's JSON Web Tokens. Hand-written rather than jwt-kit: the vulnerable lab must accept tokens
/// that any correct library refuses (`alg: none`, expired, HS256 keyed with the RSA public key).
struct LabTokens: Sendable {
    let secure: Bool
    /// HS256 key for user tokens: a word from every JWT secret list in the vulnerable lab, random in the secure one.
    let hmacKey: SymmetricKey
    /// RS256 key for partner (OAuth2 client-credentials) tokens; its public half is published as a JWKS.
    let rsaKey: _RSA.Signing.PrivateKey
    /// Every token this lab has handed out, so tests can check that no report shows a live one.
    let issued = NIOLockedValueBox<[String]>([])
    static let weakSecret = "secret123"
    static let lifetime: TimeInterval = 900
    /// The `iss` of every token the lab issues (a gateway in front of the lab checks it).
    static let issuer = "https://bank.rampart.lab"

    init(secure: Bool) throws {
        self.secure = secure
        hmacKey = secure ? SymmetricKey(size: .bits256) : SymmetricKey(data: Data(Self.weakSecret.utf8))
        rsaKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
    }

    struct Claims {
        var subject: Int64
        var role: String
        var expires: Date
    }

    func issueHS256(subject: Int64, role: String, now: Date = Date()) -> String {
        let header = Self.encode(["alg": "HS256", "typ": "JWT"])
        let body = Self.encode(["iss": Self.issuer, "sub": String(subject), "role": role, "iat": Int(now.timeIntervalSince1970), "exp": Int(now.timeIntervalSince1970 + Self.lifetime)])
        let input = header + "." + body
        let token = input + "." + Self.base64URL(Data(HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: hmacKey)))
        issued.withLockedValue { $0.append(token) }
        return token
    }

    func issueRS256(subject: Int64, role: String, now: Date = Date()) throws -> String {
        let header = Self.encode(["alg": "RS256", "typ": "JWT", "kid": "lab-rsa"])
        let body = Self.encode(["iss": Self.issuer, "sub": String(subject), "role": role, "iat": Int(now.timeIntervalSince1970), "exp": Int(now.timeIntervalSince1970 + Self.lifetime)])
        let input = header + "." + body
        let signature = try rsaKey.signature(for: Data(input.utf8), padding: .insecurePKCS1v1_5)
        let token = input + "." + Self.base64URL(signature.rawRepresentation)
        issued.withLockedValue { $0.append(token) }
        return token
    }

    /// The claims of a token this lab accepts, or nil.
    func verify(_ token: String, now: Date = Date()) -> Claims? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let header = Self.decodeObject(parts[0]), let body = Self.decodeObject(parts[1]),
              let algorithm = header["alg"] as? String else { return nil }
        let input = Data((parts[0] + "." + parts[1]).utf8)
        let signature = Self.decodeBase64URL(parts[2]) ?? Data()
        let valid: Bool
        switch algorithm {
        case "HS256" where !secure && parts[2].isEmpty:
            valid = true  // Flaw: a token whose signature was stripped is not checked at all.
        case "HS256":
            valid = HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: input, using: hmacKey)
                // Flaw (key confusion): the public key's PEM text is tried as an HMAC secret.
                || (!secure && HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: input, using: SymmetricKey(data: Data(rsaKey.publicKey.pemRepresentation.utf8))))
        case "RS256":
            valid = (try? rsaKey.publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: input, padding: .insecurePKCS1v1_5)) ?? false
        case "none", "None", "NONE":
            valid = !secure  // Flaw: unsigned tokens accepted.
        default:
            valid = false
        }
        guard valid, let subject = (body["sub"] as? String).flatMap({ Int64($0) }), let role = body["role"] as? String else { return nil }
        let expires = Date(timeIntervalSince1970: (body["exp"] as? NSNumber)?.doubleValue ?? 0)
        // Flaw: the vulnerable lab never looks at `exp`.
        if secure && expires < now { return nil }
        return Claims(subject: subject, role: role, expires: expires)
    }

    /// The RSA public key as a JSON Web Key Set.
    var jwks: [String: Any] {
        let primitives = try? rsaKey.publicKey.getKeyPrimitives()
        return ["keys": [["kty": "RSA", "kid": "lab-rsa", "alg": "RS256", "use": "sig",
                          "n": Self.base64URL(primitives?.modulus ?? Data()), "e": Self.base64URL(primitives?.publicExponent ?? Data())]]]
    }

    static func encode(_ object: [String: Any]) -> String {
        base64URL((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }

    static func decodeObject(_ text: String) -> [String: Any]? {
        decodeBase64URL(text).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }
}
