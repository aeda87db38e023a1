import RampartCore

struct ServerLocalhost: AuditRule {
    static let metadata = RuleMetadata(
        id: "server-localhost", title: "Server points at localhost", severity: .low, owasp: .api9, cwe: [1059],
        description: "A published description lists a loopback server, a leftover from development that makes generated clients and tests call the wrong host.",
        remediation: "List the real deployment URLs; keep local servers in a development-only copy of the description.")

    static func isLoopback(_ host: String?) -> Bool {
        guard let host else { return false }
        return host == "localhost" || host.hasSuffix(".localhost") || host.hasPrefix("127.") || host == "::1" || host == "0.0.0.0"
    }

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for server in api.servers where Self.isLoopback(host(of: server.url)) {
            hits.flag(server.cursor, "server \(server.url) is a loopback address")
        }
    }
}
