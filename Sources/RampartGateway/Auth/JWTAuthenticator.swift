import Crypto
import Foundation
import JWTKit
import NIOConcurrencyHelpers

/// Verifies bearer JWTs for one issuer: algorithms from an allow-list (never from the token), keys only
/// from the configured source (`jku`, `x5u` and `jwk` headers are never followed), `iss`, `aud`, `exp` and
/// `nbf` with leeway. A verified token is cached by its SHA-256 until it expires, so the signature is
/// checked once per token rather than once per request.
public final class JWTAuthenticator: Sendable {
    public let name: String
    let settings: GatewayConfiguration.JWTSettings
    let keys: IssuerKeys
    private let cache = NIOLockedValueBox<[SHA256Digest: (principal: Principal, expires: Double)]>([:])
    static let maxCached = 100_000

    /// Signature-only payload: claims are read and checked by the authenticator itself.
    struct SignedPayload: JWTPayload {
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    init(name: String, keys: IssuerKeys) {
        self.name = name
        self.settings = keys.settings
        self.keys = keys
        // Keys that were rotated out must not keep vouching for the tokens they signed.
        keys.onChange.withLockedValue { [cache] in $0 = { cache.withLockedValue { $0 = [:] } } }
    }

    /// The principal of a token verified before and not yet expired (no signature work).
    public func cached(_ token: String, now: Date = Date()) -> Principal? {
        let digest = Self.digest(token)
        return cache.withLockedValue { cache in
            guard let entry = cache[digest] else { return nil }
            if entry.expires + settings.leeway < now.timeIntervalSince1970 { cache[digest] = nil; return nil }
            return entry.principal
        }
    }

    public func verify(_ token: String, now: Date = Date()) async -> Result<Principal, AuthenticationFailure> {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = Self.object(parts[0]), let payload = Self.object(parts[1]) else { return .failure(.init("malformed token")) }
        guard let algorithm = header["alg"] as? String, settings.algorithms.contains(algorithm) else {
            return .failure(.init("algorithm \(header["alg"] as? String ?? "missing") is not allowed for \(settings.issuer)"))
        }
        var keySet = keys.keySet
        if let secret = keySet.secret {
            guard Self.validHMAC(parts, algorithm: algorithm, secret: secret) else { return .failure(.init("bad signature")) }
        } else {
            if let kid = header["kid"] as? String {
                if keySet.accepts(kid: kid, algorithm: algorithm) == nil, let refreshed = await keys.refreshedForUnknownKid() { keySet = refreshed }
                guard let accepted = keySet.accepts(kid: kid, algorithm: algorithm) else { return .failure(.init("unknown key id")) }
                guard accepted else { return .failure(.init("key \(kid) is not for \(algorithm)")) }
            }
            do {
                // Without a kid, each of the issuer's keys is tried (the algorithm is already pinned).
                _ = try await keySet.collection.verify(token, as: SignedPayload.self, iteratingKeys: header["kid"] == nil)
            } catch {
                return .failure(.init("bad signature"))
            }
        }
        let clock = now.timeIntervalSince1970
        guard let expires = (payload["exp"] as? NSNumber)?.doubleValue else { return .failure(.init("no exp claim")) }
        guard expires + settings.leeway >= clock else { return .failure(.init("expired")) }
        if let notBefore = (payload["nbf"] as? NSNumber)?.doubleValue, notBefore - settings.leeway > clock { return .failure(.init("not yet valid")) }
        guard payload["iss"] as? String == settings.issuer else { return .failure(.init("wrong issuer")) }
        if !settings.audience.isEmpty {
            let audience = (payload["aud"] as? String).map { [$0] } ?? (payload["aud"] as? [String] ?? [])
            guard audience.contains(where: settings.audience.contains) else { return .failure(.init("wrong audience")) }
        }
        let principal = Self.principal(payload, authenticator: name)
        let digest = Self.digest(token)
        cache.withLockedValue { cache in
            if cache.count >= Self.maxCached { cache = cache.filter { $0.value.expires + settings.leeway >= clock } }
            if cache.count < Self.maxCached { cache[digest] = (principal, expires) }
        }
        return .success(principal)
    }

    /// What the cache knows a token by: its hash, so no token is kept in memory.
    static func digest(_ token: String) -> SHA256.Digest {
        var token = token
        return token.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
    }

    /// HS256/384/512 over `header.payload`, compared in constant time.
    static func validHMAC(_ parts: [Substring], algorithm: String, secret: SymmetricKey) -> Bool {
        guard let signature = base64URL(parts[2]) else { return false }
        let input = Data((parts[0] + "." + parts[1]).utf8)
        switch algorithm {
        case "HS256": return HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: input, using: secret)
        case "HS384": return HMAC<SHA384>.isValidAuthenticationCode(signature, authenticating: input, using: secret)
        case "HS512": return HMAC<SHA512>.isValidAuthenticationCode(signature, authenticating: input, using: secret)
        default: return false
        }
    }

    static func principal(_ payload: [String: Any], authenticator: String) -> Principal {
        var roles = Set(payload["roles"] as? [String] ?? [])
        if let role = payload["role"] as? String { roles.insert(role) }
        var scopes = Set((payload["scope"] as? String)?.split(separator: " ").map(String.init) ?? [])
        scopes.formUnion(payload["scp"] as? [String] ?? [])
        let claims = payload.compactMapValues { $0 as? String }
        return Principal(authenticator: authenticator, subject: payload["sub"] as? String ?? "", roles: roles, scopes: scopes, claims: claims)
    }

    static func object(_ part: Substring) -> [String: Any]? {
        base64URL(part).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }

    static func base64URL(_ part: Substring) -> Data? {
        var base64 = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
