import Foundation
import NIOHTTP1
import RampartHTTP
import RampartLab
import RampartSpec
import RampartTestSupport
import Testing

@Test func tlsNeedsTheCAFileOrInsecure() async throws {
    let server = try await TestServer.start(tls: TestPKI.serverTLS(TestPKI.leaf()))
    let url = server.httpsURL
    let strict = try HTTPEngine(scope: Scope([url]), options: EngineOptions(requestsPerSecond: nil, retries: 0))
    await #expect(throws: (any Error).self) { try await strict.send(OutboundRequest(method: "GET", url: url)) }
    let trusting = try HTTPEngine(scope: Scope([url]), options: EngineOptions(requestsPerSecond: nil, caFile: TestPKI.caFile))
    #expect(try await trusting.send(OutboundRequest(method: "GET", url: url)).response.status == 200)
    let insecure = try HTTPEngine(scope: Scope([url]), options: EngineOptions(requestsPerSecond: nil, insecure: true))
    #expect(try await insecure.send(OutboundRequest(method: "GET", url: url)).response.status == 200)
    for engine in [strict, trusting, insecure] { await engine.shutdown() }
    await server.stop()
}

/// What a stand-in proxy was asked for.
private final class Asked: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}

@Test func requestsGoThroughTheProxy() async throws {
    // A stand-in proxy that records the request line it receives (a CONNECT to the target, or its absolute URL).
    let asked = Asked()
    let proxy = try await TestServer.start { head in
        asked.add("\(head.method.rawValue) \(head.uri)")
        return Canned(status: .badGateway)
    }
    let target = URL(string: "http://127.0.0.1:9/api/ping")!
    let engine = try HTTPEngine(scope: Scope([target]), options: EngineOptions(requestsPerSecond: nil, retries: 0, proxy: proxy.httpURL))
    _ = try? await engine.send(OutboundRequest(method: "GET", url: target))
    #expect(asked.all.contains { $0.contains("127.0.0.1:9") }, "the proxy was asked for the target: \(asked.all)")
    await engine.shutdown()
    await proxy.stop()
}

@Test func cookieAPIKeyAndBasicIdentitiesSignIn() async throws {
    let lab = try await Lab(secure: true).start()
    let engine = try HTTPEngine(scope: Scope([lab.url]), options: EngineOptions(requestsPerSecond: nil))
    let redactor = Redactor()
    let admin = Session(identity: Identity(name: "admin", role: "admin", authentication: .basic(username: "admin@bank.lab", password: "admin-lab-password")),
                        engine: engine, base: lab.url, redactor: redactor)
    let me = URL(string: "/api/v2/users/me", relativeTo: lab.url)!.absoluteURL
    let profile = try await admin.send(OutboundRequest(method: "GET", url: me))
    #expect(profile.response.status == 200)
    // The secure lab no longer shows API keys on the profile; read carol's from a fresh login's cookie session instead.
    let text = """
    scan:
      identities:
        carol:
          login:
            path: /api/v2/auth/login
            json: {email: carol@bank.lab, password: carol-lab-password}
            cookie: bank_session
    """
    let configuration = try ScanConfiguration.parse(SpecDocument(text: text, file: "rampart.yml").root)
    let carol = Session(identity: configuration.identities[0], engine: engine, base: lab.url, redactor: redactor)
    let viaCookie = try await carol.send(OutboundRequest(method: "GET", url: me))
    #expect(viaCookie.response.status == 200)
    #expect(viaCookie.request.header("Cookie")?.hasPrefix("bank_session=") == true)
    #expect(!redactor.curl(viaCookie.request).contains("eyJ"), "the session cookie is a secret")
    await engine.shutdown()
    await lab.stop()
}

@Test func anAPIKeyIdentitySignsIn() async throws {
    let lab = try await Lab().start()
    let engine = try HTTPEngine(scope: Scope([lab.url]), options: EngineOptions(requestsPerSecond: nil))
    let me = URL(string: "/api/v2/users/me", relativeTo: lab.url)!.absoluteURL
    // The vulnerable lab shows each user's API key on the profile (one of its flaws); use it as a real key.
    let basic = Session(identity: Identity(name: "carol", role: "user", authentication: .basic(username: "carol@bank.lab", password: "carol-lab-password")),
                        engine: engine, base: lab.url, redactor: Redactor())
    let key = try #require((try await basic.send(OutboundRequest(method: "GET", url: me)).response.json as? [String: Any])?["api_key"] as? String)
    let byKey = Session(identity: Identity(name: "bot", role: "service", authentication: .apiKey(name: "X-API-Key", location: "header", value: key)),
                        engine: engine, base: lab.url, redactor: Redactor())
    let profile = try await byKey.send(OutboundRequest(method: "GET", url: me))
    #expect((profile.response.json as? [String: Any])?["email"] as? String == "carol@bank.lab")
    await engine.shutdown()
    await lab.stop()
}

@Test func aRejectedTokenIsRenewedOnce() async throws {
    // Two secure labs in turn on one port: each signs tokens with its own random key, so the second rejects
    // the first one's token with 401 and the session must log in again.
    let first = try await Lab(secure: true).start()
    let port = first.url.port!
    let engine = try HTTPEngine(scope: Scope([first.url]), options: EngineOptions(requestsPerSecond: nil))
    let configuration = try ScanConfiguration.parse(SpecDocument(text: Lab.scanConfiguration, file: "rampart.yml").root)
    let admin = Session(identity: try #require(configuration.identities.first { $0.name == "admin" }), engine: engine, base: first.url, redactor: Redactor())
    let me = URL(string: "/api/v2/users/me", relativeTo: first.url)!.absoluteURL
    #expect(try await admin.send(OutboundRequest(method: "GET", url: me)).response.status == 200)
    let oldToken = try await admin.token()
    await first.stop()
    let second = try await Lab(secure: true).start(port: port)
    let again = try await admin.send(OutboundRequest(method: "GET", url: me))
    #expect(again.response.status == 200)
    #expect(try await admin.token() != oldToken)
    await engine.shutdown()
    await second.stop()
}

@Test func aRedirectOutOfScopeIsNotFollowedButReported() async throws {
    let server = try await TestServer.start { _ in Canned(status: .found, headers: [("Location", "https://elsewhere.example/login")]) }
    let engine = try HTTPEngine(scope: Scope([server.httpURL]), options: EngineOptions(requestsPerSecond: nil))
    let exchange = try await engine.send(OutboundRequest(method: "GET", url: server.httpURL))
    #expect(exchange.response.status == 302)
    #expect(engine.counters.sent == 1)
    #expect(engine.counters.refused.first?.hasPrefix("https://elsewhere.example/login (redirect from") == true, "\(engine.counters.refused)")
    await engine.shutdown()
    await server.stop()
}
