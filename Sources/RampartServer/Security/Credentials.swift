import Crypto
import _CryptoExtras
import Foundation

/// Users' passwords, stored as scrypt hashes (swift-crypto's, not a home-made KDF) in the PHC string format:
/// `$scrypt$ln=15,r=8,p=1$SALT$HASH`, so parameters can be raised later without breaking stored hashes.
public struct PasswordHasher: Sendable {
    /// log2 of scrypt's N; 15 (32 MiB, about a tenth of a second here) is OWASP's minimum for scrypt.
    public var costLog2 = 15
    public var blockSize = 8
    public var parallelism = 1

    public init() {}

    public struct Malformed: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public func hash(_ password: String) throws -> String {
        let salt = Data((0..<16).map { _ in UInt8.random(in: 0...255) })
        let key = try derive(password, salt: salt, costLog2: costLog2, blockSize: blockSize, parallelism: parallelism)
        return "$scrypt$ln=\(costLog2),r=\(blockSize),p=\(parallelism)$\(salt.base64EncodedString())$\(key.base64EncodedString())"
    }

    /// Whether `password` is the one `stored` was made from; the comparison takes the same time wherever they differ.
    public func verify(_ password: String, against stored: String) throws -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[1] == "scrypt", let salt = Data(base64Encoded: String(parts[3])),
              let expected = Data(base64Encoded: String(parts[4])), expected.count == 32 else { throw Malformed(description: "not an scrypt hash") }
        var parameters: [String: Int] = [:]
        for item in parts[2].split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1)
            if pair.count == 2, let value = Int(pair[1]) { parameters[String(pair[0])] = value }
        }
        // Bounds, so a stored value cannot ask for gigabytes.
        guard let ln = parameters["ln"], (10...20).contains(ln), let r = parameters["r"], (1...16).contains(r), let p = parameters["p"], (1...4).contains(p) else {
            throw Malformed(description: "scrypt parameters out of range")
        }
        let actual = try derive(password, salt: salt, costLog2: ln, blockSize: r, parallelism: p)
        return zip(actual, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private func derive(_ password: String, salt: Data, costLog2: Int, blockSize: Int, parallelism: Int) throws -> Data {
        let key = try KDF.Scrypt.deriveKey(from: Data(password.utf8), salt: salt, outputByteCount: 32, rounds: 1 << costLog2, blockSize: blockSize,
                                           parallelism: parallelism)
        return key.withUnsafeBytes { Data($0) }
    }
}

/// API tokens and sessions: 32 random bytes shown once (`rmp_…`), stored as their SHA-256 only. A token this long
/// needs no slow hash: it cannot be guessed, and the hash lets the server find it by lookup.
public enum APIToken {
    public static func generate() -> (token: String, storedHash: String) {
        let bytes = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        let token = "rmp_" + bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return (token, storedHash(of: token))
    }

    /// What the store keeps and looks the token up by.
    public static func storedHash(of token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
