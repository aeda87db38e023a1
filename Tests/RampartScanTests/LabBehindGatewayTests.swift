import Foundation
import RampartCore
import RampartGateway
import RampartHTTP
import RampartLab
import RampartScan
import RampartSpec
import Testing

/// Findings a gateway exists to remove: authentication, CORS, headers, rate limits, and the endpoints
/// it does not route (a positive model of what is exposed).
private let edgeRules = [
    "auth-not-enforced", "jwt-none-algorithm", "jwt-signature-not-verified", "jwt-expired-accepted", "jwt-key-confusion",
    "token-accepted-in-url", "login-no-brute-force-protection", "bfla-admin-operation",
    "cors-reflects-origin", "missing-security-headers", "technology-banner", "http-trace-enabled",
    "no-rate-limiting", "business-flow-no-anti-automation",
    "old-api-version-live", "exposed-env-file", "exposed-git-metadata", "debug-endpoint-exposed", "graphql-introspection",
    // The GraphQL route's `graphql:` policy: limits, no batches, JSON POSTs only, clean answers, sign-in for every operation.
    "graphql-depth-unlimited", "graphql-alias-overloading", "graphql-batching", "graphql-directive-overloading", "graphql-field-duplication",
    "graphql-introspection-depth", "graphql-field-suggestions", "graphql-csrf", "graphql-ide-exposed", "graphql-debug-output", "anonymous-write-as-any-user",
]

/// Flaws in the bank's own logic, which no proxy can fix; still finding them shows the scan really went through the gateway.
private let upstreamRules = ["bola-read", "sql-injection", "jwt-weak-secret"]

@Test func behindTheGatewayTheLabsEdgeFindingsDisappear() async throws {
    let bare = Set(try await LabScan.vulnerable.value.findings.map(\.ruleId))
    let lab = try await Lab(secure: false).start()
    // The lab's documented weak HS256 secret (docs/lab.md, flaw 8): the gateway verifies the bank's tokens with it.
    setenv("LAB_JWT_SECRET", "secret123", 1)
    let example = DocumentedFlaw.projectRoot.appendingPathComponent("examples/gateway/lab.yml")
    let text = try String(contentsOf: example, encoding: .utf8)
        .replacingOccurrences(of: "127.0.0.1:8088", with: "127.0.0.1:\(lab.url.port!)").replacingOccurrences(of: "127.0.0.1:8089", with: "127.0.0.1:0")
    let gateway = try await GatewayServer.start(GatewayConfiguration.parse(SpecDocument(text: text, file: example.path).root))
    let target = URL(string: "http://127.0.0.1:\(gateway.addresses[0].port!)")!
    let runner = ScanRunner(target: target, description: try APIDescription(SpecDocument(text: Lab.openAPIDocument, file: "openapi.json")),
                            configuration: try ScanConfiguration.parse(SpecDocument(text: Lab.scanConfiguration, file: "rampart.yml").root),
                            engineOptions: EngineOptions(requestsPerSecond: nil, concurrency: 8, timeout: .seconds(30)), rulePacks: try RulePackLoader.builtIn())
    let findings = try await runner.run().findings
    let behind = Set(findings.map(\.ruleId))
    await gateway.stop()
    await lab.stop()
    for rule in edgeRules {
        #expect(bare.contains(rule), "the bare lab shows \(rule)")
        #expect(!behind.contains(rule), "\(rule) is still reported behind the gateway")
    }
    for rule in upstreamRules { #expect(behind.contains(rule), "\(rule): the scan should still reach the bank's own flaws") }
    // Through the GraphQL route too: the schema (introspected as the admin identity), and the missing owner checks.
    #expect(findings.contains { $0.ruleId == "bola-read" && $0.location.path == "/graphql" }, "\(findings.filter { $0.location.path == "/graphql" }.map(\.ruleId))")
    #expect(!findings.contains { $0.ruleId == "bfla-admin-operation" && $0.location.path == "/graphql" }, "users is for admins at the gateway")
}
