import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
@testable import RampartGateway
import RampartSpec
import RampartTestSupport
import Testing

/// Replayable traffic: many ordinary users, and in each scenario one attacker. Every attack must be alerted
/// within its window; ordinary traffic (over 100,000 requests) must raise nothing.
struct DetectionTests {
    static let start = 1_800_000_000.0
    static let users = 300
    static let minutes = 60

    /// One hour of ordinary banking traffic: 300 users, each with three accounts, some behind shared addresses.
    static func ordinaryTraffic(seed: UInt64 = 1) -> [RequestEvent] {
        var random = SeededRandom(state: seed)
        var events: [RequestEvent] = []
        for user in 0..<users {
            let identity = "jwt:user\(user)"
            let client = "10.0.\(user / 10).\(user % 10 + 1)"   // ten users per address (offices, NAT)
            let accounts = (0..<3).map { _ in String(Int.random(in: 1_000...900_000, using: &random)) }
            var time = start + Double.random(in: 0..<20, using: &random)
            while time < start + Double(minutes * 60) {
                let roll = Int.random(in: 0..<100, using: &random)
                let event: RequestEvent
                switch roll {
                case 0..<40:
                    event = RequestEvent(time: time, client: client, identity: identity, operation: "GET /accounts/{id}",
                                         objectIDs: [accounts.randomElement(using: &random)!], status: Int.random(in: 0..<200, using: &random) == 0 ? 500 : 200)
                case 40..<55:
                    event = RequestEvent(time: time, client: client, identity: identity, operation: "GET /accounts", status: 200, pageSize: [10, 20, 50].randomElement(using: &random))
                case 55..<70:
                    event = RequestEvent(time: time, client: client, identity: identity, operation: "GET /profile", status: 200)
                case 70..<80:
                    let failed = Int.random(in: 0..<100, using: &random) < 2
                    event = RequestEvent(time: time, client: client, identity: identity, operation: "POST /transfers", status: failed ? 422 : 201)
                case 80..<90:
                    event = RequestEvent(time: time, client: client, identity: identity, operation: "GET /accounts/{id}/transactions",
                                         objectIDs: [accounts.randomElement(using: &random)!], status: 200, pageSize: 20)
                case 90..<96:
                    // Logins: a mistyped password now and then.
                    let failed = Int.random(in: 0..<100, using: &random) < 4
                    event = RequestEvent(time: time, client: client, identity: nil, operation: "POST /auth/login", status: failed ? 401 : 200,
                                         authenticationFailed: failed, username: "user\(user)@bank.lab")
                default:
                    event = RequestEvent(time: time, client: client, identity: identity, operation: "DELETE /beneficiaries/{id}",
                                         objectIDs: [String(Int.random(in: 1...99, using: &random))], status: 204)
                }
                events.append(event)
                time += Double.random(in: 2...18, using: &random)   // about six requests a minute
            }
        }
        return events.sorted { $0.time < $1.time }
    }

    /// The first ordinary hour, built once for every scenario.
    static let ordinaryHour = ordinaryTraffic()

    /// Heavy replays run one at a time, at the lowest priority, on threads of their own: the concurrency pool has two
    /// threads on this machine, and holding them (or both cores) for seconds would stall the other tests' servers,
    /// some of which measure time.
    static let oneAtATime = NIOLock()

    static func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread {
                // Linux keeps a nice value per thread: this lowers only the replay's.
                setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
                continuation.resume(returning: oneAtATime.withLock { work() })
            }.start()
        }
    }

    static func replay(_ events: [RequestEvent], settings: DetectionSettings = DetectionSettings()) -> [Alert] {
        let detector = AnomalyDetector(settings: settings)
        return events.flatMap { detector.observe($0) }
    }

    @Test func ordinaryTrafficRaisesNoAlert() async {
        // A second, differently seeded hour too: the settings are not tuned to one sample.
        let (first, second) = await Self.offThePool {
            let second = Self.ordinaryTraffic(seed: 99)
            return ((Self.ordinaryHour.count, Self.replay(Self.ordinaryHour)), (second.count, Self.replay(second)))
        }
        #expect(first.0 >= 100_000 && second.0 >= 100_000)
        #expect(first.1.isEmpty, "false alarms: \(first.1.prefix(5).map(\.message))")
        #expect(second.1.isEmpty, "false alarms: \(second.1.prefix(5).map(\.message))")
        print("ordinary traffic: \(first.0) + \(second.0) requests from \(Self.users) users over \(Self.minutes) minutes each; false alarms: \(first.1.count + second.1.count)")
    }

    /// One attack mixed into the ordinary hour, from minute 20: the alerts it raises (about the attacker only) and the delay.
    static func attack(_ attackEvents: (Double) -> [RequestEvent]) -> (alerts: [Alert], others: [Alert], delay: Double?) {
        let attackStart = start + 20 * 60 + 7
        let malicious = attackEvents(attackStart)
        // Ordinary traffic up to five minutes past the attack's start: the baselines have their history, and the replay stays cheap.
        let alerts = replay((ordinaryHour.prefix { $0.time < attackStart + 300 } + malicious).sorted { $0.time < $1.time })
        let attacker = Set(malicious.map(\.client)).union(malicious.compactMap(\.identity))
        // An operation-wide alert is about the attack when the attacker drove that operation, whichever request crossed the line.
        let attacked = Set(malicious.map { "operation " + $0.operation })
        let aboutAttack = alerts.filter { alert in
            attacker.contains(alert.client) || alert.identity.map(attacker.contains) == true || attacked.contains(alert.subject)
        }
        let others = alerts.filter { alert in !aboutAttack.contains(alert) }
        return (aboutAttack, others, aboutAttack.first.map { $0.time - attackStart })
    }

    static func attacker(_ time: Double, _ operation: String, ids: [String] = [], status: Int = 200, identity: String? = "jwt:mallory",
                         client: String = "198.51.100.7", failed: Bool = false, username: String? = nil, pageSize: Int? = nil) -> RequestEvent {
        RequestEvent(time: time, client: client, identity: identity, operation: operation, objectIDs: ids, status: status, authenticationFailed: failed,
                     username: username, pageSize: pageSize)
    }

    @Test func everyAttackIsAlertedWithinItsWindow() async {
        let results = await Self.offThePool { Self.scenarios().map { ($0.name, $0.detector, Self.attack($0.events)) } }
        var report = "| attack | detector | delay s | alerts about the attacker | false alarms |\n|---|---|---:|---:|---:|\n"
        for (name, detector, outcome) in results {
            let (alerts, others, delay) = outcome
            #expect(alerts.contains { $0.detector == detector }, "\(name): \(alerts.map(\.detector))")
            let delayToOwn = alerts.first { $0.detector == detector }.map { $0.time - (Self.start + 20 * 60 + 7) }
            #expect((delayToOwn ?? .infinity) <= DetectionSettings().window, "\(name) alerted after \(delayToOwn ?? -1) s")
            #expect(others.isEmpty, "\(name): alerts about ordinary users: \(others.map(\.message))")
            report += "| \(name) | \(detector) | \(String(format: "%.1f", delayToOwn ?? delay ?? -1)) | \(alerts.count) | \(others.count) |\n"
        }
        print(report)
    }

    /// Each attack, as events from its start time.
    static func scenarios() -> [(name: String, detector: String, events: (Double) -> [RequestEvent])] {
        var random = SeededRandom(state: 7)
        return [
            ("BOLA enumeration: random account ids, 3/s", "enumeration", { t in
                (0..<300).map { i in Self.attacker(t + Double(i) / 3, "GET /accounts/{id}", ids: [String(Int.random(in: 1_000...900_000, using: &random))], status: i % 2 == 0 ? 200 : 403) }
            }),
            ("brute force on one username, 2/s", "brute-force", { t in
                (0..<120).map { i in Self.attacker(t + Double(i) / 2, "POST /auth/login", status: 401, identity: nil, failed: true, username: "user7@bank.lab") }
            }),
            ("credential stuffing: a leaked list, one try per username", "credential-stuffing", { t in
                (0..<100).map { i in Self.attacker(t + Double(i), "POST /auth/login", status: 401, identity: nil, client: "203.0.113.50", failed: true, username: "victim\(i)@mail.test") }
            }),
            ("volume spike: one token hammering /profile", "volume-spike", { t in
                (0..<3_000).map { i in Self.attacker(t + Double(i) / 50, "GET /profile") }
            }),
            ("error spike: a fuzzer's malformed transfers", "error-spike", { t in
                (0..<400).map { i in Self.attacker(t + Double(i) / 5, "POST /transfers", status: 400) }
            }),
            ("first use of an operation nobody called before", "new-operation", { t in
                [Self.attacker(t, "GET /internal/export")]
            }),
            ("scraping: sequential ids", "scraping", { t in
                (0..<40).map { i in Self.attacker(t + Double(i) * 2, "GET /accounts/{id}/transactions", ids: [String(5_000 + i)], status: 403) }
            }),
            ("scraping: huge pages", "scraping", { t in
                [Self.attacker(t, "GET /accounts", pageSize: 10_000)]
            }),
        ]
    }

    @Test func memoryIsBoundedByActiveActors() async {
        let tracked = await Self.offThePool { Self.actorsKeptAfterADayOfClients() }
        #expect(tracked < 5_000)
    }

    static func actorsKeptAfterADayOfClients() -> Int {
        // 60,000 distinct clients over a day, each once: the detector forgets the idle ones.
        let detector = AnomalyDetector(settings: DetectionSettings())
        for i in 0..<60_000 {
            _ = detector.observe(RequestEvent(time: Self.start + Double(i) * 1.44, client: "client-\(i)", identity: nil, operation: "POST /auth/login",
                                              status: 401, authenticationFailed: true, username: "u\(i)"))
        }
        return detector.trackedActors
    }
}

/// A gateway for `configuration`, in a folder of its own (for its audit log).
private func detectingGateway(_ configuration: String) async throws -> (GatewayServer, String) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-detect-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let parsed = try GatewayConfiguration.parse(SpecDocument(text: configuration, file: folder + "/gateway.yml").root)
    return (try await GatewayServer.start(parsed, baseDirectory: folder, group: gatewayTestLoops), folder)
}

/// The detectors in the running gateway: an enumeration through it is alerted in the audit log, the metrics and a
/// webhook, and the client is then blocked.
@Test func anAttackThroughTheGatewayIsAlertedAndBlocked() async throws {
    let upstream = try await TestServer.start { _ in Canned(headers: [("Content-Type", "application/json")], body: #"{"balance":1}"#) }
    let hooks = NIOLockedValueBox<[String]>([])
    let receiver = try await TestServer.start { head in
        hooks.withLockedValue { $0.append("\(head.method.rawValue) \(head.uri)") }
        return Canned(status: .noContent, body: "")
    }
    let (server, folder) = try await detectingGateway("""
        gateway:
          listeners: [{address: "127.0.0.1:0"}]
          audit_log: audit.jsonl
          upstreams: {api: {url: "\(upstream.httpURL.absoluteString)"}}
          detection:
            enumeration: {minimum: 5, factor: 1}   # factor 1: a minute boundary in the test cannot raise the line above 5
            webhook: {url: "\(receiver.httpURL.absoluteString)alerts", retries: 1}
            block: {seconds: 60}
          routes:
            - {path: "/accounts/{id}", upstream: api}
            - {path: /, upstream: api}
        """)
    func get(_ path: String) async throws -> UInt {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.addresses[0].port!)\(path)"), timeout: .seconds(30))
        return response.status.code
    }
    // The same account again and again is ordinary; six different ones in a minute is more than the limit of five.
    for _ in 0..<10 { #expect(try await get("/accounts/1") == 200) }
    for id in 2...5 { #expect(try await get("/accounts/\(id)") == 200) }
    #expect(try await get("/accounts/6") == 200, "the request that crosses the line is still answered")
    #expect(try await get("/accounts/1") == 403, "then the client is blocked")
    #expect(server.metrics.prometheus().contains(#"rampart_gateway_alerts_total{detector="enumeration"} 1"#))
    for _ in 0..<100 where hooks.withLockedValue({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(20)) }
    #expect(hooks.withLockedValue { $0 } == ["POST /alerts"])
    await server.stop()
    let audit = try String(contentsOfFile: folder + "/audit.jsonl", encoding: .utf8)
    #expect(audit.contains(#""decision":"alert""#) && audit.contains("enumeration: client 127.0.0.1 touched 6 distinct objects of GET /accounts/{id}"))
    #expect(audit.contains("blocked after an anomaly alert"))
    #expect(try AuditLog.verify(path: folder + "/audit.jsonl").get().entries == 17, "alerts are part of the hash chain")
    await upstream.stop()
    await receiver.stop()
}

/// Usernames are read from login bodies: a leaked list tried through the gateway is credential stuffing.
@Test func credentialStuffingThroughTheGatewayNamesTheUsernames() async throws {
    let upstream = try await TestServer.start { _ in Canned(status: .unauthorized, headers: [("Content-Type", "application/json")], body: #"{"error":"bad credentials"}"#) }
    let (server, folder) = try await detectingGateway("""
        gateway:
          listeners: [{address: "127.0.0.1:0"}]
          audit_log: audit.jsonl
          upstreams: {api: {url: "\(upstream.httpURL.absoluteString)"}}
          detection: {authentication: {usernames_per_client: 4}}
          routes:
            - {path: /, upstream: api}
        """)
    for name in ["ann", "bob", "cyd", "dee"] {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(server.addresses[0].port!)/api/auth/login")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"username":"\#(name)@mail.test","password":"Winter2024!"}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        #expect(response.status == .unauthorized, "the login still reaches the upstream whole")
    }
    await server.stop()
    let audit = try String(contentsOfFile: folder + "/audit.jsonl", encoding: .utf8)
    #expect(audit.contains("credential-stuffing: failed logins for 4 different usernames from 127.0.0.1"))
    #expect(!audit.contains("Winter2024"), "no password in the log")
    await upstream.stop()
}

/// A webhook that fails is retried; alerts go out in order.
@Test func webhookDeliveriesAreRetried() async throws {
    let attempts = NIOLockedValueBox(0)
    let receiver = try await TestServer.start { _ in
        let attempt = attempts.withLockedValue { $0 += 1; return $0 }
        return Canned(status: attempt == 1 ? .serviceUnavailable : .noContent, body: "")
    }
    let webhook = AlertWebhook(settings: DetectionSettings.Webhook(url: receiver.httpURL.absoluteString + "alerts", timeout: 2, retries: 2, queue: 10))
    webhook.send(Alert(detector: "enumeration", time: 0, subject: "client 10.0.0.1", operation: "GET /x/{}", message: "test", count: 31, threshold: 30,
                       baseline: 1, windowSeconds: 60, client: "10.0.0.1", identity: nil))
    for _ in 0..<200 where attempts.withLockedValue({ $0 }) < 2 { try await Task.sleep(for: .milliseconds(10)) }
    #expect(attempts.withLockedValue { $0 } == 2, "a 503 is retried once, then the 204 ends it")
    await receiver.stop()
}
