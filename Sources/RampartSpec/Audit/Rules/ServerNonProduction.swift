import RampartCore

struct ServerNonProduction: AuditRule {
    static let metadata = RuleMetadata(
        id: "server-non-production", title: "Server looks like a non-production environment", severity: .low, owasp: .api9, cwe: [1059],
        description: "A server host name says dev, staging, test, QA, UAT or sandbox. Non-production environments are often less protected, hold copies of real data, and are forgotten when retired.",
        remediation: "Publish production servers only, or keep each environment in its own description with its own owner and lifecycle.")

    static let labels: Set<String> = ["dev", "develop", "development", "staging", "stage", "stg", "test", "testing", "qa", "uat", "sandbox", "preprod", "demo"]

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for server in api.servers {
            guard let host = host(of: server.url) else { continue }
            let words = host.split { $0 == "." || $0 == "-" || $0 == "_" }.map(String.init)
            guard let label = words.first(where: Self.labels.contains) else { continue }
            hits.flag(server.cursor, "server \(server.url) looks like a '\(label)' environment", confidence: .tentative)
        }
    }
}
