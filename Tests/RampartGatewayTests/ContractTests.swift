import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
@testable import RampartDiscover
@testable import RampartGateway
import RampartSpec
import RampartTestSupport
import Testing

/// `openapi:` on a route: only documented operations with valid input pass, answers lose what they must not show.
struct ContractTests {
    static let spec = """
        openapi: 3.0.3
        info: {title: Orders, version: "1"}
        servers: [{url: "https://api.example.com/api"}]
        components:
          schemas:
            Order:
              type: object
              required: [id, total]
              properties:
                id: {type: integer, minimum: 1}
                total: {type: number, minimum: 0}
                status: {type: string, enum: [open, paid]}
                lines: {type: array, maxItems: 3, items: {$ref: "#/components/schemas/Line"}}
            Line:
              type: object
              required: [sku]
              additionalProperties: false
              properties:
                sku: {type: string, pattern: "^[A-Z]{3}-[0-9]+$"}
                quantity: {type: integer, minimum: 1, maximum: 99}
        paths:
          /orders:
            get:
              parameters:
                - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100}}
                - {name: status, in: query, schema: {type: string, enum: [open, paid]}}
                - {name: X-Tenant, in: header, required: true, schema: {type: string, minLength: 3}}
              responses: {"200": {description: ok, content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Order"}}}}}}
            post:
              requestBody:
                required: true
                content: {application/json: {schema: {$ref: "#/components/schemas/Order"}}}
              responses: {"201": {description: created}}
          /orders/{id}:
            get:
              parameters: [{name: id, in: path, required: true, schema: {type: integer, format: int32}}]
              responses:
                "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Order"}}}}
          /crash:
            get:
              responses: {"500": {description: broken}}
        """

    /// The upstream: records what reached it, and answers with more than the spec declares.
    final class Upstream: Sendable {
        let server: TestServer
        let seen = NIOLockedValueBox<[String]>([])

        init() async throws {
            let seen = self.seen
            server = try await TestServer.start { head in
                seen.withLockedValue { $0.append("\(head.method.rawValue) \(head.uri)") }
                switch head.uri.prefix(while: { $0 != "?" }) {
                case "/api/orders/7":
                    return Canned(headers: [("Content-Type", "application/json")],
                                  body: #"{"id":7,"total":12.5,"status":"paid","internalCost":3.1,"owner":{"email":"a@b.c"},"lines":[{"sku":"ABC-1","supplierPrice":2}]}"#)
                case "/api/orders" where head.method == .POST:
                    return Canned(status: .created, headers: [("Content-Type", "application/json")], body: #"{"id":8}"#)
                case "/api/orders":
                    return Canned(headers: [("Content-Type", "application/json")], body: #"[{"id":1,"total":2,"debug":true}]"#)
                case "/api/crash":
                    return Canned(status: .internalServerError, headers: [("Content-Type", "text/plain")],
                                  body: "Traceback (most recent call last):\n  File \"/srv/app/orders.py\", line 42, in total\nZeroDivisionError")
                default:
                    return Canned(status: .notFound)
                }
            }
        }
    }

    static func gateway(_ upstream: Upstream, openapi: String = "orders.yaml", extra: String = "") async throws -> (GatewayServer, String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-contract-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try spec.write(toFile: folder + "/orders.yaml", atomically: true, encoding: .utf8)
        let text = """
            gateway:
              listeners: [{address: "127.0.0.1:0"}]
              audit_log: audit.jsonl
            \(extra)
              upstreams: {api: {url: "\(upstream.server.httpURL.absoluteString)"}}
              routes:
                - {path: /api, upstream: api, openapi: \(openapi)}
            """
        let configuration = try GatewayConfiguration.parse(SpecDocument(text: text, file: folder + "/gateway.yml").root)
        return (try await GatewayServer.start(configuration, baseDirectory: folder, group: gatewayTestLoops), folder)
    }

    static func send(_ server: GatewayServer, _ method: HTTPMethod = .GET, _ path: String, headers: [(String, String)] = [("X-Tenant", "acme")],
                     body: String? = nil, contentType: String = "application/json") async throws -> (status: UInt, headers: HTTPHeaders, body: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(server.addresses[0].port!)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.body = .bytes(ByteBuffer(string: body))
            request.headers.add(name: "Content-Type", value: contentType)
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (response.status.code, response.headers, String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    @Test func onlyDocumentedOperationsWithValidInputPass() async throws {
        let upstream = try await Upstream()
        let (server, folder) = try await Self.gateway(upstream)
        let refused: [(HTTPMethod, String, [(String, String)], String?, String, UInt)] = [
            (.GET, "/api/orders/debug", [], nil, "application/json", 400),                 // not an integer id
            (.GET, "/api/admin", [], nil, "application/json", 404),                        // not documented
            (.DELETE, "/api/orders/7", [], nil, "application/json", 405),                  // documented path, undocumented method
            (.GET, "/api/orders/99999999999", [], nil, "application/json", 400),           // outside int32
            (.GET, "/api/orders?limit=1000", [("X-Tenant", "acme")], nil, "application/json", 400),
            (.GET, "/api/orders?status=shipped", [("X-Tenant", "acme")], nil, "application/json", 400),
            (.GET, "/api/orders?limit=5&debug=1", [("X-Tenant", "acme")], nil, "application/json", 400),   // undeclared query parameter
            (.GET, "/api/orders", [], nil, "application/json", 400),                       // required header missing
            (.POST, "/api/orders", [], #"{"id":1,"total":-1}"#, "application/json", 400),
            (.POST, "/api/orders", [], #"{"id":1}"#, "application/json", 400),
            (.POST, "/api/orders", [], #"{"id":1,"total":5,"lines":[{"sku":"<script>alert(1)</script>"}]}"#, "application/json", 400),
            (.POST, "/api/orders", [], #"{"id":1,"total":5,"lines":[{"sku":"ABC-1","isAdmin":true}]}"#, "application/json", 400),
            (.POST, "/api/orders", [], #"{"id":1,"total":5"#, "application/json", 400),                    // not JSON
            (.POST, "/api/orders", [], "id=1&total=5", "application/x-www-form-urlencoded", 415),
        ]
        for (method, path, headers, body, type, status) in refused {
            let response = try await Self.send(server, method, path, headers: headers, body: body, contentType: type)
            #expect(response.status == status, "\(method) \(path) \(body ?? "")")
            #expect(!response.body.contains("<script>") && response.body.contains("correlation_id"), "the 400 never echoes the input")
        }
        let rejected = try await Self.send(server, .POST, "/api/orders", body: #"{"id":1,"total":5,"lines":[{"sku":"abc"}]}"#)
        #expect(rejected.body.contains("body.lines[0].sku: does not match the required pattern"))
        #expect(upstream.seen.withLockedValue { $0 }.isEmpty, "nothing refused reached the upstream")

        #expect(try await Self.send(server, .GET, "/api/orders?limit=5&status=open").status == 200)
        #expect(try await Self.send(server, .POST, "/api/orders", body: #"{"id":1,"total":5,"lines":[{"sku":"ABC-12","quantity":2}]}"#).status == 201)
        #expect(upstream.seen.withLockedValue { $0 } == ["GET /api/orders?limit=5&status=open", "POST /api/orders"])
        await server.stop()
        let audit = try String(contentsOfFile: folder + "/audit.jsonl", encoding: .utf8)
        #expect(audit.contains(#""reason":"openapi: path parameter id: expected integer, got string""#))
        await upstream.server.stop()
    }

    @Test func answersLoseUndeclaredPropertiesAndInternals() async throws {
        let upstream = try await Upstream()
        let (server, folder) = try await Self.gateway(upstream)
        let order = try await Self.send(server, .GET, "/api/orders/7")
        #expect(order.status == 200)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(order.body.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["id", "total", "status", "lines"], "internalCost and owner are not in the spec")
        #expect((object["lines"] as? [[String: Any]])?.first?.keys.sorted() == ["sku"])
        #expect(order.headers.first(name: "content-length") == String(order.body.utf8.count))
        let list = try await Self.send(server, .GET, "/api/orders")
        #expect(list.body == #"[{"id":1,"total":2}]"# || list.body == #"[{"total":2,"id":1}]"#)
        let crash = try await Self.send(server, .GET, "/api/crash")
        #expect(crash.status == 500)
        #expect(!crash.body.contains("Traceback") && !crash.body.contains("orders.py"))
        #expect(crash.body.contains(#""correlation_id":""#) && crash.headers.first(name: "x-correlation-id").map { crash.body.contains($0) } == true)
        await server.stop()
        let audit = try String(contentsOfFile: folder + "/audit.jsonl", encoding: .utf8)
        #expect(audit.contains("openapi: 3 undeclared response properties removed"), "internalCost, owner and lines[].supplierPrice")
        #expect(audit.contains("showing internals was replaced"))
        await upstream.server.stop()
    }

    @Test func monitorModeLetsEverythingThroughAndLogsIt() async throws {
        let upstream = try await Upstream()
        let (server, folder) = try await Self.gateway(upstream, openapi: "{spec: orders.yaml, mode: monitor}")
        #expect(try await Self.send(server, .GET, "/api/admin").status == 404)   // the upstream's own 404
        #expect(try await Self.send(server, .GET, "/api/orders/debug").status == 404)
        let order = try await Self.send(server, .GET, "/api/orders/7")
        #expect(order.body.contains("internalCost"), "monitor mode changes no answer")
        #expect(upstream.seen.withLockedValue { $0.count } == 3)
        await server.stop()
        let audit = try String(contentsOfFile: folder + "/audit.jsonl", encoding: .utf8)
        #expect(audit.contains("openapi (monitor): no such operation"))
        #expect(audit.contains("undeclared response properties seen"))
        await upstream.server.stop()
    }

    @Test func trafficRecordsAreSampledRedactedAndReadByDiscover() async throws {
        let upstream = try await Upstream()
        let (server, folder) = try await Self.gateway(upstream, extra: "  traffic_log: {path: traffic.jsonl, sample_rate: 0.5}")
        for _ in 0..<5 {
            _ = try await Self.send(server, .GET, "/api/orders/7", headers: [("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"),
                                                                              ("X-Session-Token", "sess-0f1e2d3c4b5a69788796a5b4")])
        }
        for _ in 0..<5 { _ = try await Self.send(server, .POST, "/api/orders?api_key=sk_live_abcdefghijklmnopqrstuvwx", body: #"{"id":1,"total":5}"#) }
        await server.stop()
        let text = try String(contentsOfFile: folder + "/traffic.jsonl", encoding: .utf8)
        #expect(text.split(separator: "\n").count == 5, "half of ten requests")
        #expect(!text.contains("eyJhbGci") && !text.contains("sk_live_") && !text.contains("sess-0f1e") && text.contains("[redacted]"))
        // OAuth codes and signed-URL signatures are credentials by name, whatever they look like.
        #expect(SensitiveValues.isCredentialParameter("code") && SensitiveValues.isCredentialParameter("sig") && !SensitiveValues.isCredentialParameter("page"))
        #expect(SensitiveValues.isCredentialHeader("X-Session-Token") && !SensitiveValues.isCredentialHeader("Accept-Language"))
        var records: [TrafficRecord] = []
        let summary = try TrafficSource.read(path: folder + "/traffic.jsonl") { records.append($0) }
        #expect(summary.format == .gateway && summary.malformed == 0)
        #expect(Set(records.map { "\($0.method) \($0.path)" }) == ["GET /api/orders/7", "POST /api/orders"])
        #expect(records.first { $0.method == "GET" }?.responseBody?.contains("\"total\"") == true)
        await upstream.server.stop()
    }

    @Test func badContractSettingsAreConfigurationErrors() throws {
        for (settings, message) in [("{spec: a.yaml, mode: block}", "'mode' must be enforce or monitor"),
                                    ("{spec: a.yaml, mode: monitor, responses: strip}", "monitor mode changes no answer"),
                                    ("{mode: monitor}", "spec")] {
            let text = """
                gateway:
                  listeners: [{address: "127.0.0.1:0"}]
                  upstreams: {api: {url: "http://127.0.0.1:1"}}
                  routes:
                    - {path: /, upstream: api, openapi: \(settings)}
                """
            let error = #expect(throws: SpecError.self) { try GatewayConfiguration.parse(SpecDocument(text: text, file: "g.yml").root) }
            #expect(error?.description.contains(message) == true, "\(settings)")
        }
    }
}

/// The byte scanner that spares compliant answers a full parse: it agrees with the full filter, and random bytes never crash it.
@Test func theUndeclaredPropertyScannerAgreesWithTheFilterAndSurvivesNoise() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-scan-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try ContractTests.spec.write(toFile: folder + "/orders.yaml", atomically: true, encoding: .utf8)
    let contract = try APIContract(path: folder + "/orders.yaml", displayName: "orders.yaml", mode: .enforce, responses: .strip, rejectUnknownQuery: true, basePath: nil)
    guard case .operation(let operation, _) = contract.match(method: "GET", path: "/api/orders/7"), let schema = contract.responseSchema(operation, status: 200) else {
        Issue.record("no schema")
        return
    }
    let bodies = [#"{"id":7,"total":1.5}"#, #"{"id":7,"total":1,"lines":[{"sku":"ABC-1"}]}"#, #"{"id":7,"secret":1}"#,
                  #"{"id":7,"lines":[{"sku":"A","cost":2}]}"#, #" { "id" : 7 , "status" : "paid\"quoted" } "#, #"{"id":7,"owner":{"a":[1,{"b":2}]}}"#]
    for body in bodies {
        var value = try JSONSerialization.jsonObject(with: Data(body.utf8))
        let undeclared = ResponseFilter.filter(&value, schema: schema, strip: false).count > 0
        let scanned = Array(body.utf8).withUnsafeBytes { UndeclaredPropertyScanner.mayHaveUndeclared($0, schema: schema) }
        #expect(scanned == undeclared, "\(body)")
    }
    var random = SeededRandom(state: 11)
    for _ in 0..<20_000 {
        var bytes = Array(bodies[Int(random.next() % UInt64(bodies.count))].utf8)
        for _ in 0..<Int(random.next() % 6 + 1) {
            let index = Int(random.next() % UInt64(bytes.count))
            bytes[index] = UInt8(truncatingIfNeeded: random.next())
        }
        _ = bytes.withUnsafeBytes { UndeclaredPropertyScanner.mayHaveUndeclared($0, schema: schema) }
        if let value = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) { _ = schema.problem(value) }
    }
}

/// A body that must be checked whole but never finishes arriving is refused in time, not held forever.
@Test func aBodyThatNeverFinishesIsRefusedInTime() async throws {
    let upstream = try await ContractTests.Upstream()
    let (server, _) = try await ContractTests.gateway(upstream, extra: "  limits: {body_timeout: 1, header_timeout: 60}")
    let (answer, closedAfter) = try await rawExchange(server.addresses[0].port!,
                               "POST /api/orders HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":1,")
    #expect(answer.hasPrefix("HTTP/1.1 408"))
    #expect(closedAfter < .seconds(10))
    #expect(upstream.seen.withLockedValue { $0 }.isEmpty)
    await server.stop()
    await upstream.server.stop()
}
