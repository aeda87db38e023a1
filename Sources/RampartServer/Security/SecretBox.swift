import Crypto
import Foundation

/// Encryption at rest for what the platform stores and must not keep in clear (scan identities' passwords, tokens,
/// client keys, finding evidence): AES-256-GCM under a master key, bound to where the value lives (its `context`,
/// e.g. `org:7/asset:3/password`), so a value copied into another row does not open there.
///
/// Keys come from `RAMPART_MASTER_KEY` or a key file only its owner can read. Rotation: the first key is the current
/// one and seals everything new; older keys, listed after it, still open what they sealed until `rotate` re-seals it.
public struct SecretBox: Sendable {
    /// A key and its id (the start of its SHA-256: which key sealed a value, never the key).
    struct Key: Sendable {
        var id: String
        var key: SymmetricKey
    }
    let keys: [Key]

    /// Sealed values start with this, then the key id and the base64 of nonce, ciphertext and tag.
    static let prefix = "rsb1"

    public struct Problem: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Keys as base64 of 32 bytes, current first; `source` names where they came from in errors.
    public init(base64Keys: [String], source: String) throws(Problem) {
        var keys: [Key] = []
        for (index, text) in base64Keys.enumerated() {
            guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespaces)), data.count == 32 else {
                throw Problem(description: "\(source): key \(index + 1) is not the base64 of 32 random bytes (make one with: openssl rand -base64 32)")
            }
            let id = SHA256.hash(data: data).prefix(4).map { String(format: "%02x", $0) }.joined()
            keys.append(Key(id: id, key: SymmetricKey(data: data)))
        }
        guard !keys.isEmpty else { throw Problem(description: "\(source): no key") }
        self.keys = keys
    }

    /// `RAMPART_MASTER_KEY` (keys separated by commas, current first), else the key file (one key per line, `#`
    /// comments allowed), which must be readable by its owner only.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment, keyFile: String?) throws(Problem) -> SecretBox {
        if let value = environment["RAMPART_MASTER_KEY"], !value.isEmpty {
            return try SecretBox(base64Keys: value.split(separator: ",").map(String.init), source: "RAMPART_MASTER_KEY")
        }
        guard let keyFile else { throw Problem(description: "no master key: set RAMPART_MASTER_KEY or pass a key file") }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: keyFile), let data = FileManager.default.contents(atPath: keyFile) else {
            throw Problem(description: "\(keyFile): cannot read the key file")
        }
        if let permissions = attributes[.posixPermissions] as? Int, permissions & 0o077 != 0 {
            throw Problem(description: "\(keyFile): readable by others (mode \(String(permissions, radix: 8))); chmod 600 it")
        }
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        return try SecretBox(base64Keys: lines.filter { !$0.isEmpty && !$0.hasPrefix("#") }, source: keyFile)
    }

    /// Seals `plaintext` under the current key, bound to `context`.
    public func seal(_ plaintext: String, context: String) throws(Problem) -> String {
        let current = keys[0]
        do {
            let box = try AES.GCM.seal(Data(plaintext.utf8), using: current.key, authenticating: Data(context.utf8))
            guard let combined = box.combined else { throw Problem(description: "sealing failed") }
            return [Self.prefix, current.id, combined.base64EncodedString()].joined(separator: ".")
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(description: "sealing failed")
        }
    }

    /// Opens a sealed value. The error says what is wrong, never what the value was.
    public func open(_ sealed: String, context: String) throws(Problem) -> String {
        let (key, combined) = try parts(of: sealed)
        guard let box = try? AES.GCM.SealedBox(combined: combined),
              let plaintext = try? AES.GCM.open(box, using: key.key, authenticating: Data(context.utf8)) else {
            throw Problem(description: "a sealed value does not open: it was changed, or it belongs to another place than \(context)")
        }
        return String(decoding: plaintext, as: UTF8.self)
    }

    /// Whether the value was sealed by an older key (and should be re-sealed).
    public func needsRotation(_ sealed: String) throws(Problem) -> Bool {
        try parts(of: sealed).key.id != keys[0].id
    }

    /// The value re-sealed under the current key (unchanged when it already is).
    public func rotate(_ sealed: String, context: String) throws(Problem) -> String {
        try needsRotation(sealed) ? seal(try open(sealed, context: context), context: context) : sealed
    }

    private func parts(of sealed: String) throws(Problem) -> (key: Key, combined: Data) {
        let pieces = sealed.split(separator: ".", maxSplits: 2).map(String.init)
        guard pieces.count == 3, pieces[0] == Self.prefix, let combined = Data(base64Encoded: pieces[2]) else {
            throw Problem(description: "not a sealed value")
        }
        guard let key = keys.first(where: { $0.id == pieces[1] }) else {
            throw Problem(description: "sealed with key \(pieces[1]), which is not among the keys given (list the old key after the new one until everything is rotated)")
        }
        return (key, combined)
    }
}
