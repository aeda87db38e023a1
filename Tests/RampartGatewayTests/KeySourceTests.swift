import AsyncHTTPClient
import Crypto
import _CryptoExtras
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import RampartGateway
import RampartSpec
import RampartTestSupport
import Testing

/// ES256 keys as JWKs, and tokens signed with them or with an HMAC secret.
private struct SigningKey {
    let kid: String
    let key = P256.Signing.PrivateKey()

    var jwk: String {
        let raw = key.publicKey.rawRepresentation
        return #"{"kty":"EC","crv":"P-256","kid":"\#(kid)","x":"\#(base64URL(raw.prefix(32)))","y":"\#(base64URL(raw.suffix(32)))"}"#
    }

    func token(_ claims: [String: Any] = [:], issuer: String = "https://idp.test") -> String {
        let input = encode(["alg": "ES256", "typ": "JWT", "kid": kid]) + "." + encode(standardClaims(issuer).merging(claims) { $1 })
        return input + "." + base64URL(try! key.signature(for: Data(input.utf8)).rawRepresentation)
    }
}

private func standardClaims(_ issuer: String) -> [String: Any] {
    ["iss": issuer, "aud": "api", "sub": "alice", "exp": Int(Date().timeIntervalSince1970) + 600]
}

private func encode(_ object: [String: Any]) -> String { base64URL(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) }

private func base64URL(_ data: some DataProtocol) -> String {
    Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
}

private func hs256(secret: String, _ claims: [String: Any] = [:]) -> String {
    let input = encode(["alg": "HS256", "typ": "JWT"]) + "." + encode(standardClaims("https://idp.test").merging(claims) { $1 })
    return input + "." + base64URL(Data(HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))))
}

/// An identity provider on 127.0.0.1: its discovery document and key set, which a test can change, and how often each was fetched.
private final class IdentityProvider: Sendable {
    let keys = NIOLockedValueBox<[SigningKey]>([])
    let fetches = NIOLockedValueBox<[String: Int]>([:])
    private(set) nonisolated(unsafe) var server: TestServer!

    static func start(_ keys: [SigningKey]) async throws -> IdentityProvider {
        let provider = IdentityProvider()
        provider.keys.withLockedValue { $0 = keys }
        provider.server = try await TestServer.start { [provider] head in
            provider.fetches.withLockedValue { $0[head.uri, default: 0] += 1 }
            switch head.uri {
            case "/.well-known/openid-configuration":
                return Canned(body: #"{"issuer":"https://idp.test","jwks_uri":"\#(provider.url)/keys"}"#)
            case "/keys":
                return Canned(body: #"{"keys":[\#(provider.keys.withLockedValue { $0 }.map(\.jwk).joined(separator: ","))]}"#)
            default:
                return Canned(status: .notFound)
            }
        }
        return provider
    }

    var url: String { "http://127.0.0.1:\(server.port)" }
}

private func gateway(_ authenticator: String, issuer: String = "https://idp.test", upstream: TestServer) async throws -> GatewayServer {
    let text = """
    gateway:
      listeners: [{address: "127.0.0.1:0"}]
      upstreams: {api: {url: "\(upstream.httpURL.absoluteString)"}}
      authenticators:
        idp: {jwt: {issuer: "\(issuer)", audience: api, \(authenticator)}}
      routes: [{path: /, upstream: api, authenticate: [idp]}]
    """
    return try await GatewayServer.start(GatewayConfiguration.parse(SpecDocument(text: text, file: "gateway.yml").root))
}

private func status(_ server: GatewayServer, token: String) async throws -> HTTPResponseStatus {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(server.addresses[0].port!)/orders")
    request.headers.add(name: "Authorization", value: "Bearer \(token)")
    return try await HTTPClient.shared.execute(request, timeout: .seconds(30)).status
}

@Test func keysComeFromOIDCDiscovery() async throws {
    let key = SigningKey(kid: "k1")
    let provider = try await IdentityProvider.start([key])
    let upstream = try await TestServer.start()
    let server = try await gateway(#"discovery: "\#(provider.url)", algorithms: [ES256]"#, upstream: upstream)
    #expect(try await status(server, token: key.token()) == .ok)
    #expect(try await status(server, token: SigningKey(kid: "k1").token()) == .unauthorized, "same kid, another key")
    #expect(provider.fetches.withLockedValue { $0 } == ["/.well-known/openid-configuration": 1, "/keys": 1])
    await server.stop()
    await upstream.stop()
    await provider.server.stop()
}

@Test func aRotatedKeyIsFetchedOnItsFirstTokenAndUnknownKidsCannotHammerTheProvider() async throws {
    let old = SigningKey(kid: "old"), new = SigningKey(kid: "new")
    let provider = try await IdentityProvider.start([old])
    let upstream = try await TestServer.start()
    let server = try await gateway(#"jwks_url: "\#(provider.url)/keys", algorithms: [ES256], unknown_kid_refresh_interval: 1"#, upstream: upstream)
    #expect(try await status(server, token: old.token()) == .ok)
    // The provider rotates: the first token signed with the new key makes the gateway fetch the set again.
    provider.keys.withLockedValue { $0 = [new] }
    try await Task.sleep(for: .milliseconds(1100))
    #expect(try await status(server, token: new.token()) == .ok)
    #expect(provider.fetches.withLockedValue { $0["/keys"] } == 2)
    // Forged kids: at most one fetch per interval (1 s), however many tokens.
    let started = ContinuousClock.now
    for index in 0..<20 { #expect(try await status(server, token: SigningKey(kid: "forged-\(index)").token()) == .unauthorized) }
    let intervals = Int((ContinuousClock.now - started) / .seconds(1)) + 1
    #expect(provider.fetches.withLockedValue { $0["/keys"] ?? 0 } <= 2 + intervals, "\(provider.fetches.withLockedValue { $0 }) in \(intervals) intervals")
    // Tokens verified with a key that has been rotated out are no longer served from the cache.
    #expect(try await status(server, token: old.token()) == .unauthorized)
    await server.stop()
    await upstream.stop()
    await provider.server.stop()
}

@Test func aDiscoveryDocumentForAnotherIssuerOrAnUnreachableProviderStopsTheStart() async throws {
    let provider = try await IdentityProvider.start([SigningKey(kid: "k1")])
    let upstream = try await TestServer.start()
    await #expect {
        _ = try await gateway(#"discovery: "\#(provider.url)", algorithms: [ES256]"#, issuer: "https://other.test", upstream: upstream)
    } throws: { error in
        String(describing: error).contains("names issuer 'https://idp.test'")
    }
    await provider.server.stop()
    await #expect {
        _ = try await gateway(#"jwks_url: "http://127.0.0.1:9/keys", algorithms: [ES256]"#, upstream: upstream)
    } throws: { error in
        String(describing: error).contains("authenticator 'idp': http://127.0.0.1:9/keys: cannot fetch")
    }
    await upstream.stop()
}

@Test func hmacSecretsComeFromTheEnvironmentAndAreCheckedInConstantTime() async throws {
    let secret = "a-long-enough-secret-for-hs256-tokens-\(UUID())"
    setenv("RAMPART_TEST_HS_SECRET", secret, 1)
    let upstream = try await TestServer.start()
    let server = try await gateway("secret_env: RAMPART_TEST_HS_SECRET, algorithms: [HS256]", upstream: upstream)
    #expect(try await status(server, token: hs256(secret: secret)) == .ok)
    #expect(try await status(server, token: hs256(secret: secret + "x")) == .unauthorized)
    #expect(try await status(server, token: hs256(secret: secret, ["exp": 1])) == .unauthorized)
    #expect(try await status(server, token: SigningKey(kid: "k").token()) == .unauthorized, "ES256 is not in this issuer's allow-list")
    await server.stop()
    setenv("RAMPART_TEST_HS_SECRET", "short", 1)
    await #expect {
        _ = try await gateway("secret_env: RAMPART_TEST_HS_SECRET, algorithms: [HS256]", upstream: upstream)
    } throws: { error in
        String(describing: error).contains("at least 32 bytes")
    }
    await upstream.stop()
}

@Test(arguments: [
    ("jwks_url: \"http://idp.example/keys\", algorithms: [RS256]", "must be an https URL"),
    ("jwks_file: k.json, algorithms: [HS256]", "HS256/384/512 need secret_env or secret_file"),
    ("secret_env: S, algorithms: [RS256]", "secret_env and secret_file are for HS256/384/512"),
    ("jwks_file: k.json, jwks_url: \"https://idp.example/keys\", algorithms: [RS256]", "exactly one of"),
])
func keySourcesAreValidated(_ settings: String, _ message: String) throws {
    let text = """
    gateway:
      listeners: [{address: "127.0.0.1:0"}]
      upstreams: {api: {url: "http://127.0.0.1:9"}}
      authenticators: {idp: {jwt: {issuer: "https://idp.test", \(settings)}}}
      routes: [{path: /, upstream: api, authenticate: [idp]}]
    """
    #expect {
        _ = try GatewayConfiguration.parse(SpecDocument(text: text, file: "gateway.yml").root)
    } throws: { error in
        String(describing: error).contains("gateway.yml:4:") && String(describing: error).contains(message)
    }
}

@Test func aDueRefreshIsOneFetchHoweverManyRequestsNoticeIt() async throws {
    let key = SigningKey(kid: "k1")
    let provider = try await IdentityProvider.start([key])
    let upstream = try await TestServer.start()
    let server = try await gateway(#"jwks_url: "\#(provider.url)/keys", algorithms: [ES256], refresh_interval: 1"#, upstream: upstream)
    try await Task.sleep(for: .milliseconds(1100))
    // Ten new tokens at once: each is verified (no cache yet), each sees the set is due, one fetch follows
    // (one more per second the burst itself takes on a loaded machine).
    let started = ContinuousClock.now
    try await withThrowingTaskGroup(of: HTTPResponseStatus.self) { group in
        for index in 0..<10 { group.addTask { try await status(server, token: key.token(["jti": "t\(index)"])) } }
        for try await answer in group { #expect(answer == .ok) }
    }
    let seconds = Int((ContinuousClock.now - started) / .seconds(1))
    try await Task.sleep(for: .milliseconds(300))
    let fetches = provider.fetches.withLockedValue { $0["/keys"] ?? 0 }
    #expect(fetches >= 2 && fetches <= 2 + seconds, "the start and one refresh: \(fetches) fetches in \(seconds) s")
    await server.stop()
    await upstream.stop()
    await provider.server.stop()
}

/// A signer for each algorithm the allow-list takes beyond RS256, ES256 and HS256 (tested above and in
/// AuthenticationTests): its public key as a JWK (nil for an HMAC secret) and its signature over `header.payload`.
private struct AlgorithmSigner {
    let jwk: String?
    let sign: (Data) -> Data

    static func make(_ algorithm: String, secret: String) throws -> AlgorithmSigner {
        switch algorithm {
        case "RS384", "RS512", "PS256", "PS384", "PS512":
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            let primitives = try key.publicKey.getKeyPrimitives()
            let padding: _RSA.Signing.Padding = algorithm.hasPrefix("PS") ? .PSS : .insecurePKCS1v1_5
            return AlgorithmSigner(jwk: #"{"kty":"RSA","kid":"k","n":"\#(base64URL(primitives.modulus))","e":"\#(base64URL(primitives.publicExponent))"}"#) { input in
                let signature = switch algorithm.suffix(3) {
                case "256": try! key.signature(for: SHA256.hash(data: input), padding: padding)
                case "384": try! key.signature(for: SHA384.hash(data: input), padding: padding)
                default: try! key.signature(for: SHA512.hash(data: input), padding: padding)
                }
                return signature.rawRepresentation
            }
        case "ES384":
            let key = P384.Signing.PrivateKey()
            let raw = key.publicKey.rawRepresentation
            return AlgorithmSigner(jwk: #"{"kty":"EC","crv":"P-384","kid":"k","x":"\#(base64URL(raw.prefix(48)))","y":"\#(base64URL(raw.suffix(48)))"}"#) { input in
                try! key.signature(for: input).rawRepresentation
            }
        case "EdDSA":
            let key = Curve25519.Signing.PrivateKey()
            return AlgorithmSigner(jwk: #"{"kty":"OKP","crv":"Ed25519","kid":"k","x":"\#(base64URL(key.publicKey.rawRepresentation))"}"#) { input in
                try! key.signature(for: input)
            }
        default:  // HS384, HS512
            let secret = SymmetricKey(data: Data(secret.utf8))
            return AlgorithmSigner(jwk: nil) { input in
                algorithm == "HS384" ? Data(HMAC<SHA384>.authenticationCode(for: input, using: secret)) : Data(HMAC<SHA512>.authenticationCode(for: input, using: secret))
            }
        }
    }

    func token(_ algorithm: String, _ claims: [String: Any] = [:]) -> String {
        let input = encode(["alg": algorithm, "typ": "JWT"].merging(jwk == nil ? [:] : ["kid": "k"]) { $1 }) + "." + encode(standardClaims("https://idp.test").merging(claims) { $1 })
        return input + "." + base64URL(sign(Data(input.utf8)))
    }
}

@Test(arguments: ["RS384", "RS512", "PS256", "PS384", "PS512", "ES384", "EdDSA", "HS384", "HS512"])
func everyAllowedAlgorithmVerifiesEndToEnd(_ algorithm: String) async throws {
    let secret = "a-long-enough-secret-for-\(algorithm)-tokens-\(UUID())"
    let signer = try AlgorithmSigner.make(algorithm, secret: secret)
    let source: String
    if let jwk = signer.jwk {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-\(algorithm)-\(UUID()).json")
        try #"{"keys":[\#(jwk)]}"#.write(to: file, atomically: true, encoding: .utf8)
        source = "jwks_file: \(file.path)"
    } else {
        setenv("RAMPART_TEST_\(algorithm)_SECRET", secret, 1)
        source = "secret_env: RAMPART_TEST_\(algorithm)_SECRET"
    }
    let upstream = try await TestServer.start()
    let server = try await gateway("\(source), algorithms: [\(algorithm)]", upstream: upstream)
    let good = signer.token(algorithm)
    #expect(try await status(server, token: good) == .ok, "a good \(algorithm) token")
    // One character inside the signature changed, an expired token, and the same key's signature under a header
    // that names another algorithm.
    var tampered = Array(good)
    let inside = good.distance(from: good.startIndex, to: good.lastIndex(of: ".")!) + 5
    tampered[inside] = tampered[inside] == "A" ? "B" : "A"
    let tamperedToken = String(tampered)
    #expect(try await status(server, token: tamperedToken) == .unauthorized, "a tampered \(algorithm) signature")
    #expect(try await status(server, token: signer.token(algorithm, ["exp": 1])) == .unauthorized, "an expired \(algorithm) token")
    #expect(try await status(server, token: signer.token(algorithm == "RS384" ? "RS512" : "RS384")) == .unauthorized, "an algorithm outside the allow-list")
    await server.stop()
    await upstream.stop()
}
