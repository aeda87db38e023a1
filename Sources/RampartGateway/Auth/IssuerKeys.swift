import AsyncHTTPClient
import Crypto
import Foundation
import JWTKit
import NIOConcurrencyHelpers
import NIOCore

/// The verification keys of one issuer, from a JWKS file, a JWKS URL, OIDC discovery, or an HMAC secret.
/// Remote key sets are fetched at start, again every `refreshInterval`, and again when a token names a
/// `kid` the set does not have, at most once per `unknownKidRefreshInterval` (so forged kids cannot make
/// the gateway hammer the identity provider).
final class IssuerKeys: Sendable {
    /// One loaded key set.
    struct KeySet: Sendable {
        let collection: JWTKeyCollection
        /// kid → the key's type (`RSA`, `EC`, `OKP`) and, when the JWK says, its algorithm.
        let keys: [String: (type: String, algorithm: String?)]
        /// The HMAC secret, for HS* issuers.
        let secret: SymmetricKey?
        let loaded: NIODeadline

        var kids: Set<String> { Set(keys.keys) }
    }

    let settings: GatewayConfiguration.JWTSettings
    private let baseDirectory: String
    private let current: NIOLockedValueBox<KeySet>
    private let lastFetch: NIOLockedValueBox<NIODeadline>
    /// Called after a refresh that changed the set of keys (the authenticator drops its cache of verified tokens).
    let onChange = NIOLockedValueBox<(@Sendable () -> Void)?>(nil)

    private init(settings: GatewayConfiguration.JWTSettings, baseDirectory: String, keys: KeySet) {
        self.settings = settings
        self.baseDirectory = baseDirectory
        current = NIOLockedValueBox(keys)
        lastFetch = NIOLockedValueBox(keys.loaded)
    }

    static func load(_ settings: GatewayConfiguration.JWTSettings, baseDirectory: String) async throws(KeyError) -> IssuerKeys {
        IssuerKeys(settings: settings, baseDirectory: baseDirectory, keys: try await fetch(settings, baseDirectory: baseDirectory))
    }

    var keySet: KeySet {
        // Due for a refresh: one fetch in the background (however many requests notice), the current set serves meanwhile.
        if claimFetch(after: settings.refreshInterval) { Task { await refresh() } }
        return current.withLockedValue { $0 }
    }

    /// The key set after a refresh for an unknown `kid`, or nil when one was tried too recently (or the source is local).
    func refreshedForUnknownKid() async -> KeySet? {
        guard claimFetch(after: settings.unknownKidRefreshInterval) else { return nil }
        return await refresh()
    }

    /// Whether the caller may fetch a remote set now: true for at most one caller per `seconds` since the last fetch.
    private func claimFetch(after seconds: Double) -> Bool {
        guard settings.keys.isRemote else { return false }
        let now = NIODeadline.now()
        return lastFetch.withLockedValue { last in
            guard now - last >= .milliseconds(Int64(seconds * 1000)) else { return false }
            last = now
            return true
        }
    }

    @discardableResult
    private func refresh() async -> KeySet? {
        // A failed refresh keeps the keys that were working.
        guard let fresh = try? await Self.fetch(settings, baseDirectory: baseDirectory) else { return nil }
        let changed = current.withLockedValue { keys in
            defer { keys = fresh }
            return keys.kids != fresh.kids
        }
        if changed { onChange.withLockedValue { $0 }?() }
        return fresh
    }

    // MARK: Loading

    enum KeyError: Error, CustomStringConvertible {
        case unreadable(String), invalid(String, String), fetch(String, String)
        var description: String {
            switch self {
            case .unreadable(let path): "\(path): cannot read the file"
            case .invalid(let place, let problem): "\(place): \(problem)"
            case .fetch(let url, let problem): "\(url): \(problem)"
            }
        }
    }

    static func fetch(_ settings: GatewayConfiguration.JWTSettings, baseDirectory: String) async throws(KeyError) -> KeySet {
        let issuer = settings.issuer, allowShortSecret = settings.allowShortSecret
        switch settings.keys {
        case .file(let file):
            let path = resolve(file, baseDirectory)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .unreadable(path) }
            return try await parse(jwks: text, from: path)
        case .url(let url):
            return try await parse(jwks: try await get(url), from: url.absoluteString)
        case .discovery(let url):
            let document = url.path.contains("/.well-known/") ? url : url.appendingPathComponent(".well-known/openid-configuration")
            let text = try await get(document)
            guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
                throw .invalid(document.absoluteString, "not a JSON OpenID configuration")
            }
            // OpenID Connect Discovery 1.0 §4.3: the document must name the issuer it was fetched for.
            guard object["issuer"] as? String == issuer else {
                throw .invalid(document.absoluteString, "names issuer '\(object["issuer"] as? String ?? "none")', not '\(issuer)'")
            }
            guard let jwksURI = (object["jwks_uri"] as? String).flatMap(URL.init(string:)), GatewayConfiguration.isAcceptableKeyURL(jwksURI) else {
                throw .invalid(document.absoluteString, "has no https jwks_uri")
            }
            return try await parse(jwks: try await get(jwksURI), from: jwksURI.absoluteString)
        case .secretEnvironment(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw .invalid("$\(name)", "the environment variable with the HMAC secret is not set")
            }
            return try secretSet(Data(value.utf8), from: "$\(name)", allowShort: allowShortSecret)
        case .secretFile(let file):
            let path = resolve(file, baseDirectory)
            guard var data = FileManager.default.contents(atPath: path) else { throw .unreadable(path) }
            while data.last == 0x0A || data.last == 0x0D { data.removeLast() }
            return try secretSet(data, from: path, allowShort: allowShortSecret)
        }
    }

    private static func secretSet(_ secret: Data, from place: String, allowShort: Bool) throws(KeyError) -> KeySet {
        // RFC 7518 §3.2: an HMAC key must be at least as long as the hash output.
        guard secret.count >= 32 || allowShort else {
            throw .invalid(place, "an HMAC secret needs at least 32 bytes (it has \(secret.count)); allow_short_secret: true accepts it knowingly")
        }
        return KeySet(collection: JWTKeyCollection(), keys: [:], secret: SymmetricKey(data: secret), loaded: .now())
    }

    private static func parse(jwks text: String, from place: String) async throws(KeyError) -> KeySet {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any], let list = object["keys"] as? [[String: Any]] else {
            throw .invalid(place, "not a JWKS (a JSON object with a 'keys' list)")
        }
        var keys: [String: (type: String, algorithm: String?)] = [:]
        for key in list {
            guard let type = key["kty"] as? String else { throw .invalid(place, "a key has no 'kty'") }
            // Symmetric keys are never taken from a key set: an HMAC secret is configured on its own.
            guard type != "oct" else { throw .invalid(place, "has a symmetric ('oct') key; HMAC secrets go in secret_env or secret_file") }
            keys[key["kid"] as? String ?? ""] = (type, key["alg"] as? String)
        }
        do {
            return KeySet(collection: try await JWTKeyCollection().add(jwksJSON: text), keys: keys, secret: nil, loaded: .now())
        } catch {
            throw .invalid(place, "not a usable JWKS (\(error))")
        }
    }

    static let maxDocumentBytes = 1 << 20

    private static func get(_ url: URL) async throws(KeyError) -> String {
        do {
            var request = HTTPClientRequest(url: url.absoluteString)
            request.headers.add(name: "Accept", value: "application/json")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            let body = try await response.body.collect(upTo: maxDocumentBytes)
            guard response.status == .ok else { throw KeyError.fetch(url.absoluteString, "answered \(response.status.code)") }
            return String(buffer: body)
        } catch let error as KeyError {
            throw error
        } catch {
            throw .fetch(url.absoluteString, "cannot fetch (\(error))")
        }
    }

    private static func resolve(_ file: String, _ baseDirectory: String) -> String {
        file.hasPrefix("/") ? file : (baseDirectory as NSString).appendingPathComponent(file)
    }
}

extension IssuerKeys.KeySet {
    /// Whether the key `kid` may verify `algorithm`: its JWK's own `alg` when it has one, else its key type's family.
    func accepts(kid: String, algorithm: String) -> Bool? {
        guard let key = keys[kid] else { return nil }
        if let declared = key.algorithm { return declared == algorithm }
        switch key.type {
        case "RSA": return algorithm.hasPrefix("RS") || algorithm.hasPrefix("PS")
        case "EC": return algorithm.hasPrefix("ES")
        case "OKP": return algorithm == "EdDSA"
        default: return false
        }
    }
}
