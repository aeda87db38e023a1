import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
@testable import RampartGateway
import RampartDiscover
import RampartLab
import RampartSpec
import Testing

/// The gateway's `graphql:` policy in front of a real GraphQL upstream: the vulnerable lab, whose GraphQL API has no
/// limit of its own, so everything refused here is refused by the gateway.
private struct GraphQLGateway {
    let server: GatewayServer
    let lab: Lab.Running
    let folder: String
    static let keys = (ops: "ops-key-7c1d", app: "app-key-2b9e")

    /// `extra` is added to the gateway's top level (a traffic log, say).
    static func start(policy: String, files: [String: String] = [:], extra: String = "") async throws -> GraphQLGateway {
        let lab = try await Lab().start()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-graphql-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8) }
        let text = """
        gateway:
          listeners: [{address: "127.0.0.1:0"}]
          audit_log: audit.jsonl
        \(extra)
          upstreams: {lab: {url: "\(lab.url.absoluteString)"}}
          authenticators:
            keys:
              api_key:
                header: X-Gateway-Key
                keys:
                  - {name: ops, hash: "\(APIKeyAuthenticator.hash(keys.ops, salt: "s1"))", roles: [admin]}
                  - {name: app, hash: "\(APIKeyAuthenticator.hash(keys.app, salt: "s2"))", roles: [user]}
          routes:
            - path: /graphql
              upstream: lab
              authenticate: [keys]
              graphql:
        \(policy.split(separator: "\n").map { "          " + $0 }.joined(separator: "\n"))
        """
        let parsed = try GatewayConfiguration.parse(SpecDocument(text: text, file: folder + "/gateway.yml").root)
        return GraphQLGateway(server: try await GatewayServer.start(parsed, baseDirectory: folder, group: gatewayTestLoops), lab: lab, folder: folder)
    }

    static let policy = """
        max_depth: 5
        max_aliases: 5
        max_directives: 3
        max_tokens: 300
        max_cost: 400
        introspection: [admin]
        operations:
          users: {roles: [admin]}
          ping: {rate_limit: {limit: 2, per: 600}}
        """

    /// POSTs `body` (JSON by default) as the app or ops key; GET when `body` is nil and `query` is given.
    func send(_ body: String?, key: String = keys.app, contentType: String = "application/json", get query: String? = nil, to base: URL? = nil) async throws -> (status: UInt, body: String, json: [String: Any]) {
        let address = base?.absoluteString.trimmingCharacters(in: ["/"]) ?? "http://127.0.0.1:\(server.addresses[0].port!)"
        var request = HTTPClientRequest(url: address + "/graphql" + (query.map { "?query=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") } ?? ""))
        request.headers.add(name: "X-Gateway-Key", value: key)
        if let body {
            request.method = .POST
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 24))
        return (response.status.code, text, (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:])
    }

    static func query(_ document: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: ["query": document]), as: UTF8.self)
    }

    func stop() async {
        await server.stop()
        await lab.stop()
    }
}

/// The message of a GraphQL-shaped refusal, or nil when the answer is not one.
private func refusal(_ answer: (status: UInt, body: String, json: [String: Any])) -> String? {
    ((answer.json["errors"] as? [[String: Any]])?.first?["extensions"] as? [String: Any])?["code"] as? String == "REFUSED_BY_GATEWAY"
        ? (answer.json["errors"] as? [[String: Any]])?.first?["message"] as? String : nil
}

/// One at a time: each test runs a lab and a gateway, and a dozen of them at once, beside the rest of the suite, would
/// load a 2-core CI machine enough to upset other tests' timing.
@Suite(.serialized) struct GraphQLGatewayTests {
    @Test func validQueriesPassAndGetTheUpstreamsData() async throws {
        let gateway = try await GraphQLGateway.start(policy: GraphQLGateway.policy)
        let document = #"query Search { products(search: "card") { id name price } }"#
        let direct = try await gateway.send(GraphQLGateway.query(document), to: gateway.lab.url)
        let through = try await gateway.send(GraphQLGateway.query(document))
        #expect(through.status == 200)
        #expect(NSDictionary(dictionary: through.json["data"] as? [String: Any] ?? [:]).isEqual(to: direct.json["data"] as? [String: Any] ?? ["missing": true]))
        #expect((through.json["data"] as? [String: Any])?["products"] as? [Any] != nil)
        // The lab's resolver tracing is debug output: taken out on the way back.
        #expect(direct.json["extensions"] != nil && through.json["extensions"] == nil)
        await gateway.stop()
        let audit = try String(contentsOfFile: gateway.folder + "/audit.jsonl", encoding: .utf8)
        #expect(audit.contains(#""cost":"#) && audit.contains(#""operation":"query Search""#), "the audit line names the operation and its cost: \(audit)")
    }

    @Test(arguments: [
        ("depth", "query { accounts { owner { accounts { owner { accounts { id } } } } } }", "depth 6 exceeds the limit of 5"),
        ("aliases", "query { " + (1...6).map { "a\($0): __typename" }.joined(separator: " ") + " }", "6 aliases (at most 5)"),
        ("directives", "query { __typename @skip(if: false) @skip(if: false) @skip(if: false) @skip(if: false) }", "4 directives (at most 3)"),
        ("tokens", "query { " + String(repeating: "__typename ", count: 400) + "}", "tokens (at most 300)"),
        ("cost", "query { " + (1...4).map { "f\($0): accounts { owner { accounts { id nickname balance } } }" }.joined(separator: " ") + " }", "exceeds the limit of 50"),
        ("syntax", "query { products(search: ", "syntax error"),
    ])
    func queriesAboveTheLimitsAreRefusedBeforeTheUpstream(_ limit: String, _ document: String, _ message: String) async throws {
        // The cost case has its own, lower ceiling: four small aliased selections cost about 80.
        let gateway = try await GraphQLGateway.start(policy: GraphQLGateway.policy.replacingOccurrences(of: "max_cost: 400", with: limit == "cost" ? "max_cost: 50" : "max_cost: 400"))
        let answer = try await gateway.send(GraphQLGateway.query(document))
        #expect(answer.status == 400, "\(answer.body)")
        #expect(refusal(answer)?.contains(message) == true, "\(answer.body)")
        await gateway.stop()
    }

    @Test func batchesGetFormsAndIntrospectionAreRefused() async throws {
        let gateway = try await GraphQLGateway.start(policy: GraphQLGateway.policy)
        let batch = try await gateway.send(#"[{"query":"{ __typename }"},{"query":"{ __typename }"}]"#)
        #expect(batch.status == 400 && refusal(batch) == "batched operations are not accepted")
        let get = try await gateway.send(nil, get: "{ __typename }")
        #expect(get.status == 405 && refusal(get) != nil, "GraphQL over GET is CSRF-prone and off by default")
        let form = try await gateway.send("query=%7B__typename%7D", contentType: "application/x-www-form-urlencoded")
        #expect(form.status == 415 && refusal(form) != nil)
        let introspection = GraphQLGateway.query("query { __schema { types { name } } }")
        let asUser = try await gateway.send(introspection)
        #expect(asUser.status == 403 && refusal(asUser) == "introspection is not allowed")
        let asAdmin = try await gateway.send(introspection, key: GraphQLGateway.keys.ops)
        #expect(asAdmin.status == 200 && (asAdmin.json["data"] as? [String: Any])?["__schema"] != nil, "introspection allowed per role")
        // Nested deeper than max_depth (5), as the standard introspection query is: an admin runs it whole, but not with a
        // query of the data beside it.
        let deep = "__schema { types { fields { type { ofType { ofType { name } } } } } }"
        #expect(try await gateway.send(GraphQLGateway.query("query { \(deep) }"), key: GraphQLGateway.keys.ops).status == 200)
        let smuggled = try await gateway.send(GraphQLGateway.query("query { \(deep) accounts { owner { accounts { owner { accounts { id } } } } } }"), key: GraphQLGateway.keys.ops)
        #expect(smuggled.status == 400 && refusal(smuggled)?.contains("depth") == true)
        await gateway.stop()
    }

    @Test func operationsHaveTheirOwnRolesAndRateLimits() async throws {
        let gateway = try await GraphQLGateway.start(policy: GraphQLGateway.policy)
        let users = GraphQLGateway.query("query Staff { users { email } }")
        let asUser = try await gateway.send(users)
        #expect(asUser.status == 403 && refusal(asUser) == "not allowed to run users")
        // An operation name is the client's choice: the rule follows the field, however the operation is named.
        let renamed = try await gateway.send(GraphQLGateway.query("query Harmless { products(search: \"x\") { id } users { email } }"))
        #expect(renamed.status == 403)
        // Past the gateway the lab's own check decides (here: it only wants someone signed in, so it errs).
        let asAdmin = try await gateway.send(users, key: GraphQLGateway.keys.ops)
        #expect(asAdmin.status == 200 && refusal(asAdmin) == nil)
        let ping = GraphQLGateway.query(#"query { ping(host: "localhost") }"#)
        for _ in 0..<2 { #expect(try await gateway.send(ping).status == 200) }
        let third = try await gateway.send(ping)
        #expect(third.status == 429 && refusal(third) == "too many ping operations")
        #expect(try await gateway.send(GraphQLGateway.query("{ __typename }")).status == 200, "other operations keep their own budget")
        let metrics = gateway.server.metrics.prometheus()
        #expect(metrics.contains(#"rampart_gateway_graphql_operations_total{operation="query ping",decision="refuse"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"rampart_gateway_graphql_cost_total{operation="query Staff"}"#))
        await gateway.stop()
    }

    @Test func suggestionsAndStackTracesAreTakenOutOfAnswers() async throws {
        let gateway = try await GraphQLGateway.start(policy: GraphQLGateway.policy)
        let misspelt = GraphQLGateway.query("query { productz(search: \"x\") { id } }")
        let direct = try await gateway.send(misspelt, to: gateway.lab.url)
        #expect(direct.body.contains("Did you mean") && direct.body.contains("stacktrace"), "the lab gives both away: \(direct.body)")
        let through = try await gateway.send(misspelt)
        #expect(through.status == 200)
        #expect(!through.body.contains("Did you mean") && !through.body.contains("stacktrace") && !through.body.contains("products"))
        #expect(through.body.contains(#"Cannot query field \"productz\" on type \"Query\"."#), "the error itself stays: \(through.body)")
        await gateway.stop()
    }

    @Test func getRunsQueriesButNeverMutationsWhenAllowed() async throws {
        let gateway = try await GraphQLGateway.start(policy: "allow_get: true")
        let query = try await gateway.send(nil, get: #"query { products(search: "card") { id } }"#)
        #expect(query.status == 200 && (query.json["data"] as? [String: Any])?["products"] != nil, "\(query.body)")
        let mutation = try await gateway.send(nil, get: #"mutation { openAccount(nickname: "x") { id } }"#)
        #expect(mutation.status == 405 && refusal(mutation) == "mutations are not accepted over GET")
        await gateway.stop()
    }

    /// The gateway's traffic log holds GraphQL bodies, and discover reads the operations out of it, with who called them.
    @Test func theGatewaysTrafficLogFeedsDiscoversGraphQLInventory() async throws {
        let gateway = try await GraphQLGateway.start(policy: GraphQLGateway.policy, extra: "  traffic_log: {path: traffic.jsonl}")
        #expect(try await gateway.send(GraphQLGateway.query(#"query Search { products(search: "card") { id name } }"#)).status == 200)
        #expect(try await gateway.send(GraphQLGateway.query("query { users { email } }"), key: GraphQLGateway.keys.ops).status == 200)
        await gateway.stop()
        let discoverer = Discoverer()
        _ = try discoverer.add(path: gateway.folder + "/traffic.jsonl")
        let operations = Dictionary(uniqueKeysWithValues: discoverer.finish().graphQL.map { ($0.label, $0) })
        #expect(operations["query products"]?.callers == ["keys:app"] && operations["query products"]?.fieldsUsed.contains("products.name") == true,
                "\(operations.keys.sorted())")
        #expect(operations["query users"]?.callers == ["keys:ops"])
    }

    @Test func onlyPersistedQueriesRunWhenAnAllowListIsGiven() async throws {
        let allowed = #"query Search { products(search: "card") { id name } }"#
        let gateway = try await GraphQLGateway.start(policy: "persisted_queries: queries.json", files: ["queries.json": String(decoding: try JSONSerialization.data(withJSONObject: [allowed]), as: UTF8.self)])
        #expect(try await gateway.send(GraphQLGateway.query(allowed)).status == 200)
        let other = try await gateway.send(GraphQLGateway.query(#"query Search { products(search: "card") { id name price } }"#))
        #expect(other.status == 400 && refusal(other) == "this document is not an allowed persisted query")
        let unknownHash = try await gateway.send(#"{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"\#(String(repeating: "ab", count: 32))"}}}"#)
        #expect(unknownHash.status == 400 && refusal(unknownHash) == "PersistedQueryNotFound")
        await gateway.stop()
    }

    @Test(arguments: [
        ("max_depth: 0", "gateway.yml:17:9: 'graphql.max_depth' must be a whole number from 1 to 1000"),
        ("introspection: maybe", "gateway.yml:17:9: 'graphql.introspection' (true, false or a list of roles) must be a non-empty list of strings"),
        ("suggestions: hide", "gateway.yml:17:9: 'graphql.suggestions' must be strip or keep"),
        ("max_tokenz: 5", "gateway.yml:17:9: unknown key 'max_tokenz' in 'graphql' (expected: max_depth, max_aliases, max_batch, max_directives, max_tokens, max_cost, introspection, allow_get, suggestions, debug, persisted_queries, operations)"),
        ("operations: {users: {roles: admin}}", "gateway.yml:17:30: 'roles' of 'users' must be a non-empty list of strings"),
        ("operations: {ping: {rate_limit: {per: 60}}}", "gateway.yml:17:29: a rate limit needs 'limit' (requests per 'per' seconds)"),
    ])
    func badGraphQLSettingsNameTheLine(_ setting: String, _ message: String) async throws {
        let text = """
        gateway:
          listeners: [{address: "127.0.0.1:0"}]
          upstreams: {lab: {url: "http://127.0.0.1:9"}}
          authenticators:
            keys:
              api_key:
                header: X-Gateway-Key
                keys:
                  - {name: ops, hash: "\(APIKeyAuthenticator.hash("k", salt: "s"))", roles: [admin]}
          routes:
            - path: /graphql
              upstream: lab
              authenticate: [keys]
              graphql:
                max_cost: 100
                max_batch: 1
                \(setting)
        """
        #expect(throws: (any Error).self) { try GatewayConfiguration.parse(SpecDocument(text: text, file: "gateway.yml").root) }
        do { _ = try GatewayConfiguration.parse(SpecDocument(text: text, file: "gateway.yml").root) } catch { #expect("\(error)" == message) }
    }

    @Test func aPersistedQueryFileThatIsNotGraphQLStopsTheStart() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-pq-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try #"["query A { ok } query B { ko }", "query {"]"#.write(toFile: folder + "/queries.json", atomically: true, encoding: .utf8)
        let text = """
        gateway:
          listeners: [{address: "127.0.0.1:0"}]
          upstreams: {lab: {url: "http://127.0.0.1:9"}}
          routes:
            - {path: /graphql, upstream: lab, graphql: {persisted_queries: queries.json}}
        """
        let parsed = try GatewayConfiguration.parse(SpecDocument(text: text, file: "gateway.yml").root)
        await #expect(throws: (any Error).self) { try await GatewayServer.check(parsed, baseDirectory: folder) }
        do { try await GatewayServer.check(parsed, baseDirectory: folder) } catch {
            #expect("\(error)".hasPrefix("queries.json: cannot use these persisted queries: entry 2 is not a GraphQL document"), "\(error)")
        }
    }

    /// Hostile bodies: broken JSON, broken documents, documents nested far deeper than any parser should recurse, huge
    /// batches. Each gets a clear refusal; none crashes or hangs the check.
    @Test func hostileBodiesAreRefusedAndNeverCrashTheCheck() throws {
        let policy = try GraphQLGuard(policy: GraphQLPolicy())
        let limiter = InMemoryRateLimitStore()
        func check(_ body: String, type: String = "application/json") -> GraphQLGuard.Outcome {
            policy.check(post: ByteBuffer(string: body).readableBytesView, contentType: type, caller: nil, client: "127.0.0.1", route: "g", limiter: limiter)
        }
        let deep = String(repeating: "{ a ", count: 50_000) + String(repeating: "}", count: 50_000)
        var bodies = [
            "", "{", "[]", "null", #"{"query": 5}"#, #"{"query": ""}"#, #"{"query": "{"}"#, #"{"query": "query { a(b: \"unterminated) }"}"#,
            String(decoding: try JSONSerialization.data(withJSONObject: ["query": deep]), as: UTF8.self),
            String(decoding: try JSONSerialization.data(withJSONObject: ["query": "query { a(x: " + String(repeating: "[", count: 20_000) + "1" + String(repeating: "]", count: 20_000) + ") }"]), as: UTF8.self),
            "[" + Array(repeating: #"{"query":"{ a }"}"#, count: 5_000).joined(separator: ",") + "]",
        ]
        // A valid body cut and flipped at many places.
        let valid = Array(#"{"query":"query Q($id: ID!) { account(id: $id) { id owner { name } } }","variables":{"id":"1"}}"#.utf8)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            var bytes = valid
            bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0x20...0x7e, using: &generator)
            bodies.append(String(decoding: bytes.prefix(Int.random(in: 1...bytes.count, using: &generator)), as: UTF8.self))
        }
        for body in bodies {
            if case .refuse(let status, let message, _, _) = check(body) {
                #expect([400, 403, 405, 415].contains(Int(status.code)) && !message.isEmpty)
            }
        }
        guard case .refuse(_, let message, _, _) = check(String(decoding: try JSONSerialization.data(withJSONObject: ["query": deep]), as: UTF8.self)) else {
            Issue.record("a document nested 50,000 levels deep passed"); return
        }
        #expect(message == "the document nests more than 128 levels")
        guard case .refuse = check("query=%7B%7D", type: "application/x-www-form-urlencoded") else { Issue.record("a form post passed"); return }
    }
}
