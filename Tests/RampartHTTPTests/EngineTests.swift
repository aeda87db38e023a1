import Foundation
import RampartHTTP
import RampartLab
import RampartSpec
import Testing

/// The engine against a real lab on 127.0.0.1.
@Test func theScopeGuardRefusesOtherOriginsAndSendsNothing() async throws {
    let lab = try await Lab().start()
    let engine = try HTTPEngine(scope: Scope([lab.url]), options: EngineOptions(requestsPerSecond: nil))
    let inside = try await engine.send(OutboundRequest(method: "GET", url: lab.url.appendingPathComponent("openapi.json")))
    #expect(inside.response.status == 200)
    let elsewhere = URL(string: "http://127.0.0.1:\(lab.url.port! == 65535 ? 1 : lab.url.port! + 1)/")!
    await #expect(throws: EngineRefusal.self) { try await engine.send(OutboundRequest(method: "GET", url: elsewhere)) }
    await #expect(throws: EngineRefusal.self) { try await engine.send(OutboundRequest(method: "GET", url: URL(string: "https://localhost:\(lab.url.port!)/")!)) }
    #expect(engine.counters.sent == 1)
    #expect(engine.counters.refused.count == 2)
    await engine.shutdown()
    await lab.stop()
}

@Test func theRequestBudgetStopsTheEngine() async throws {
    let lab = try await Lab().start()
    let engine = try HTTPEngine(scope: Scope([lab.url]), options: EngineOptions(requestsPerSecond: nil, requestBudget: 3))
    for _ in 0..<3 { _ = try await engine.send(OutboundRequest(method: "GET", url: lab.url)) }
    await #expect(throws: EngineRefusal.self) { try await engine.send(OutboundRequest(method: "GET", url: lab.url)) }
    #expect(engine.counters.sent == 3)
    await engine.shutdown()
    await lab.stop()
}

@Test func theRateLimitSpacesRequests() async throws {
    let lab = try await Lab().start()
    let engine = try HTTPEngine(scope: Scope([lab.url]), options: EngineOptions(requestsPerSecond: 20, concurrency: 8))
    let started = ContinuousClock.now
    await withTaskGroup(of: Void.self) { group in
        for _ in 0..<11 { group.addTask { _ = try? await engine.send(OutboundRequest(method: "GET", url: lab.url)) } }
    }
    // 11 requests at 20/s: the last leaves 500 ms after the first.
    #expect(ContinuousClock.now - started >= .milliseconds(480))
    await engine.shutdown()
    await lab.stop()
}

@Test func aDeadTargetIsRetriedThenReported() async throws {
    let url = URL(string: "http://127.0.0.1:9/")!
    let engine = try HTTPEngine(scope: Scope([url]), options: EngineOptions(requestsPerSecond: nil, timeout: .seconds(2), retries: 2))
    await #expect(throws: (any Error).self) { try await engine.send(OutboundRequest(method: "GET", url: url)) }
    #expect(engine.counters.transportErrors == 3, "one try and two retries")
    await engine.shutdown()
}

@Test func sessionsLogInAndAddTheirCredentials() async throws {
    let lab = try await Lab().start()
    let configuration = try ScanConfiguration.parse(RampartSpec.SpecDocument(text: Lab.scanConfiguration, file: "rampart.yml").root)
    #expect(configuration.identities.map(\.name) == ["alice", "bob", "admin", "partner"])
    let engine = try HTTPEngine(scope: Scope([lab.url]), options: EngineOptions(requestsPerSecond: nil))
    let redactor = Redactor()
    for identity in configuration.identities {
        let session = Session(identity: identity, engine: engine, base: lab.url, redactor: redactor)
        let me = try await session.send(OutboundRequest(method: "GET", url: lab.url.appendingPathComponent("api/v2/users/me")))
        #expect(me.response.status == 200, "\(identity.name)")
        let token = try #require(try await session.token())
        #expect(redactor.redact("Bearer \(token)") == "Bearer [REDACTED]")
    }
    await engine.shutdown()
    await lab.stop()
}

@Test func aFailedLoginNamesTheIdentityAndThePlace() async throws {
    let lab = try await Lab().start()
    let text = """
    scan:
      identities:
        mallory:
          login:
            path: /api/v2/auth/login
            json: {email: nobody@bank.lab, password: wrong-password}
            token: /token
    """
    let configuration = try ScanConfiguration.parse(RampartSpec.SpecDocument(text: text, file: "bad.yml").root)
    let engine = try HTTPEngine(scope: Scope([lab.url]), options: EngineOptions(requestsPerSecond: nil))
    let session = Session(identity: configuration.identities[0], engine: engine, base: lab.url, redactor: Redactor())
    do {
        _ = try await session.token()
        Issue.record("the login should have failed")
    } catch let error as LoginError {
        #expect(error.description == "identity 'mallory': login POST /api/v2/auth/login answered 404 (bad.yml:4)")
    }
    await engine.shutdown()
    await lab.stop()
}

@Test func redactionMasksSecretsInTextHeadersAndCurl() {
    let redactor = Redactor()
    redactor.register("s3cret-token-value")
    #expect(redactor.redact("token s3cret-token-value here") == "token [REDACTED] here")
    #expect(redactor.redact(#"{"password":"hunter2hunter2","name":"x"}"#) == #"{"password":"hunt…","name":"x"}"#)
    let curl = redactor.curl(OutboundRequest(method: "GET", url: URL(string: "http://127.0.0.1:1/a?key=s3cret-token-value")!,
                                             headers: [("Authorization", "Bearer s3cret-token-value"), ("X-Probe", "it's")]))
    // Percent-encoded: curl would read a bare [REDACTED] as a glob range.
    #expect(curl == #"curl -i -X GET 'http://127.0.0.1:1/a?key=%5BREDACTED%5D' -H 'Authorization: Bearer [REDACTED]' -H 'X-Probe: it'\''s'"#)
    #expect(!redactor.redact(header: "Authorization", value: "Bearer forged.token.").contains("REDACTED"), "a forged token is evidence, not a secret")
}
