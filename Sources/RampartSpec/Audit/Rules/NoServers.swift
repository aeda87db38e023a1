import RampartCore

struct NoServers: AuditRule {
    static let metadata = RuleMetadata(
        id: "no-servers", title: "No servers declared", severity: .low, owasp: .api9, cwe: [1059],
        description: "The description does not say where the API runs (no `servers`, or no `host` in 2.0), so its deployments cannot be inventoried or tested from the description.",
        remediation: "Declare every deployment of the API in `servers` (2.0: `host`, `basePath`, `schemes`).")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        guard api.servers.allSatisfy({ $0.url == "/" || $0.url.isEmpty }) else { return }
        hits.flag(api.document.root["servers"] ?? api.info ?? api.document.root, "no server is declared")
    }
}
