import AsyncHTTPClient
import Crypto
import _CryptoExtras
import Foundation
import NIOCore
import NIOHTTP1
import RampartGateway
import RampartSpec
import RampartTestSupport
import Testing

private let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("examples/gateway")

/// Tokens for the demo issuer, signed with the example's private key (or forged).
private enum Tokens {
    static let key = try! _RSA.Signing.PrivateKey(pemRepresentation: String(contentsOf: examples.appendingPathComponent("demo-private.pem"), encoding: .utf8))
    static let otherKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    static func encode(_ object: [String: Any]) -> String {
        (try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func claims(_ changes: [String: Any] = [:]) -> [String: Any] {
        let now = Int(Date().timeIntervalSince1970)
        return ["iss": "https://demo.rampart.local", "aud": "demo-api", "sub": "alice", "exp": now + 600, "iat": now, "roles": ["user"]].merging(changes) { $1 }
    }

    static func rs256(_ payload: [String: Any] = claims(), header: [String: Any] = ["alg": "RS256", "typ": "JWT", "kid": "demo-2026"], key: _RSA.Signing.PrivateKey = key) -> String {
        let input = encode(header) + "." + encode(payload)
        let signature = try! key.signature(for: Data(input.utf8), padding: .insecurePKCS1v1_5)
        return input + "." + Data(signature.rawRepresentation).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hs256(_ payload: [String: Any], secret: Data, kid: String = "demo-2026") -> String {
        let input = encode(["alg": "HS256", "typ": "JWT", "kid": kid]) + "." + encode(payload)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: secret))
        return input + "." + Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// The demo configuration's policies in front of an upstream that tells who it was told the caller is.
private func protectedGateway(_ upstream: URL, auditLog: String? = nil) async throws -> GatewayServer {
    let text = """
    gateway:
      listeners: [{address: "127.0.0.1:0"}]
    \(auditLog.map { "  audit_log: \($0)" } ?? "")
      upstreams: {api: {url: "\(upstream.absoluteString)"}}
      authenticators:
        demo: {jwt: {issuer: "https://demo.rampart.local", audience: demo-api, jwks_file: demo-jwks.json, algorithms: [RS256], leeway: 5}}
        ci: {api_key: {header: X-API-Key, keys: [{name: ci-bot, hash: "\(APIKeyAuthenticator.hash("ci-secret-key", salt: "s4lt"))", roles: [deployer]}]}}
      routes:
        - {path: /admin, upstream: api, authenticate: [demo], authorize: {roles: [admin]}}
        - {path: /limited, upstream: api, authenticate: [demo], rate_limits: [{key: sub, limit: 5, per: 600}]}
        - {path: "/users/{id}", upstream: api, authenticate: [demo], authorize: {owner: {parameter: id, claim: sub, unless_role: admin}}}
        - {path: /deploy, upstream: api, authenticate: [ci]}
        - {path: /, upstream: api, authenticate: [demo]}
    """
    let configuration = try GatewayConfiguration.parse(SpecDocument(text: text, file: "gateway.yml").root)
    return try await GatewayServer.start(configuration, baseDirectory: examples.path)
}

private func call(_ server: GatewayServer, _ path: String, token: String? = nil, headers: [(String, String)] = []) async throws -> HTTPClientResponse {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(server.addresses[0].port!)\(path)")
    if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    return try await HTTPClient.shared.execute(request, timeout: .seconds(30))
}

private func withGateway(auditLog: String? = nil, _ body: (GatewayServer) async throws -> Void) async throws {
    let upstream = try await TestServer.start { head in
        Canned(headers: [("X-Seen-Subject", head.headers.first(name: "x-authenticated-subject") ?? "-"),
                         ("X-Seen-Roles", head.headers.first(name: "x-authenticated-roles") ?? "-")])
    }
    let server = try await protectedGateway(upstream.httpURL, auditLog: auditLog)
    try await body(server)
    await server.stop()
    await upstream.stop()
}

@Test func aValidTokenPassesAndTheUpstreamLearnsWhoItIs() async throws {
    try await withGateway { server in
        let response = try await call(server, "/orders", token: Tokens.rs256(), headers: [("X-Authenticated-Subject", "mallory")])
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "x-seen-subject") == "alice", "a client cannot claim an identity by header")
        #expect(response.headers.first(name: "x-seen-roles") == "user")
        #expect(response.headers.first(name: "cache-control") == "no-store", "authenticated answers are not cached by shared caches")
        // The second time the token is served from the cache; same answer.
        let answer1 = try await call(server, "/orders", token: Tokens.rs256())
        #expect(answer1.status == .ok)
        // A token without a kid is checked against the issuer's keys.
        let withoutKid = try await call(server, "/orders", token: Tokens.rs256(header: ["alg": "RS256", "typ": "JWT"]))
        #expect(withoutKid.status == .ok)
    }
}

/// The JWT attack suite: each forged or wrong token is refused with 401.
private enum Attacks {
    static var all: [(String, String?)] {
        let now = Int(Date().timeIntervalSince1970)
        let good = Tokens.rs256().split(separator: ".").map(String.init)
        let jwks = (try? Data(contentsOf: examples.appendingPathComponent("demo-jwks.json"))) ?? Data()
        var attacks: [(String, String?)] = [("no token", nil)]
        attacks.append(("alg none", Tokens.encode(["alg": "none", "typ": "JWT"]) + "." + Tokens.encode(Tokens.claims(["roles": ["admin"]])) + "."))
        attacks.append(("HS256 keyed with the JWKS", Tokens.hs256(Tokens.claims(), secret: jwks)))
        attacks.append(("HS256 keyed with the PEM", Tokens.hs256(Tokens.claims(), secret: Data(Tokens.key.publicKey.pemRepresentation.utf8))))
        attacks.append(("stripped signature", good[0] + "." + good[1] + "."))
        attacks.append(("tampered payload", good[0] + "." + Tokens.encode(Tokens.claims(["sub": "admin", "roles": ["admin"]])) + "." + good[2]))
        attacks.append(("signed by another key", Tokens.rs256(key: Tokens.otherKey)))
        attacks.append(("expired", Tokens.rs256(Tokens.claims(["exp": now - 60]))))
        attacks.append(("not yet valid", Tokens.rs256(Tokens.claims(["nbf": now + 600]))))
        attacks.append(("wrong issuer", Tokens.rs256(Tokens.claims(["iss": "https://evil.example"]))))
        attacks.append(("wrong audience", Tokens.rs256(Tokens.claims(["aud": "other-api"]))))
        attacks.append(("no exp", Tokens.rs256(Tokens.claims().filter { $0.key != "exp" })))
        attacks.append(("unknown kid", Tokens.rs256(header: ["alg": "RS256", "kid": "other"])))
        attacks.append(("kid path trick", Tokens.rs256(header: ["alg": "RS256", "kid": "../../../../dev/null"])))
        attacks.append(("jku to an attacker's keys", Tokens.rs256(header: ["alg": "RS256", "kid": "demo-2026", "jku": "https://evil.example/jwks.json"], key: Tokens.otherKey)))
        attacks.append(("RS512 not in the allow-list", Tokens.rs256(header: ["alg": "RS512", "kid": "demo-2026"])))
        attacks.append(("garbage", "not.a.jwt"))
        return attacks
    }
}

@Test(arguments: Attacks.all)
func forgedOrWrongTokensAre401(_ name: String, _ token: String?) async throws {
    try await withGateway { server in
        let response = try await call(server, "/orders", token: token)
        #expect(response.status == .unauthorized, "\(name)")
        #expect(response.headers.first(name: "www-authenticate")?.hasPrefix("Bearer") == true)
    }
}

@Test func rolesAndOwnershipAreEnforced() async throws {
    try await withGateway { server in
        let answer2 = try await call(server, "/admin/stats", token: Tokens.rs256())

        #expect(answer2.status == .forbidden)
        let answer3 = try await call(server, "/%61dmin/stats", token: Tokens.rs256())

        #expect(answer3.status == .forbidden, "normalised before authorization")
        let answer4 = try await call(server, "/admin/stats", token: Tokens.rs256(Tokens.claims(["sub": "root", "roles": ["admin"]])))

        #expect(answer4.status == .ok)
        let answer5 = try await call(server, "/users/alice", token: Tokens.rs256())

        #expect(answer5.status == .ok)
        let answer6 = try await call(server, "/users/bob", token: Tokens.rs256())

        #expect(answer6.status == .forbidden, "the BOLA guard at the edge")
        let answer7 = try await call(server, "/users/bob", token: Tokens.rs256(Tokens.claims(["roles": ["admin"]])))

        #expect(answer7.status == .ok, "unless admin")
    }
}

@Test func theRateLimitIsPerSubjectWithItsHeaders() async throws {
    try await withGateway { server in
        let alice = Tokens.rs256()
        var statuses: [HTTPResponseStatus] = []
        var last: HTTPClientResponse?
        for _ in 0..<6 {
            let response = try await call(server, "/limited", token: alice)
            statuses.append(response.status)
            last = response
        }
        #expect(statuses.prefix(5).allSatisfy { $0 == .ok } && statuses[5] == .tooManyRequests, "\(statuses)")
        #expect(last?.headers.first(name: "retry-after").flatMap(Int.init).map { (1...120).contains($0) } == true, "one request frees up every 120 s (a long period: six requests on a loaded machine must not outlast it)")
        #expect(last?.headers.first(name: "ratelimit-remaining") == "0")
        let bob = Tokens.rs256(Tokens.claims(["sub": "bob"]))
        let answer8 = try await call(server, "/limited", token: bob)

        #expect(answer8.status == .ok, "another subject has its own allowance")
    }
}

@Test func apiKeysAreCheckedAgainstTheirHashes() async throws {
    try await withGateway { server in
        let good = try await call(server, "/deploy", headers: [("X-API-Key", "ci-secret-key")])
        #expect(good.status == .ok && good.headers.first(name: "x-seen-subject") == "ci-bot")
        let answer9 = try await call(server, "/deploy", headers: [("X-API-Key", "ci-secret-kez")])

        #expect(answer9.status == .unauthorized)
        let answer10 = try await call(server, "/deploy")

        #expect(answer10.status == .unauthorized)
    }
}

@Test func everyDecisionIsInTheAuditLogWithoutCredentials() async throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-gw-audit-\(UUID().uuidString).jsonl").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let token = Tokens.rs256()
    try await withGateway(auditLog: path) { server in
        _ = try await call(server, "/orders?secret=q", token: token)
        _ = try await call(server, "/admin/stats", token: token)
        _ = try await call(server, "/orders", token: "forged.token.here")
        await server.stop()
    }
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let entries = try text.split(separator: "\n").map { try JSONDecoder().decode(AuditEntry.self, from: Data($0.utf8)) }
    #expect(entries.map(\.decision) == ["allow", "deny", "deny"])
    #expect(entries[0].identity == "demo:alice" && entries[0].status == 200 && entries[0].path == "/orders")
    #expect(entries[1].status == 403 && entries[1].reason?.contains("lacks role admin") == true)
    #expect(entries[2].status == 401 && entries[2].reason?.contains("malformed token") == true)
    #expect(!text.contains(token) && !text.contains("secret=q"), "no credentials and no query strings in the log")
    #expect(try AuditLog.verify(path: path).get().entries == 3)
}
