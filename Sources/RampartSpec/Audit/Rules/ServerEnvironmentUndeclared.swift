import RampartCore

struct ServerEnvironmentUndeclared: AuditRule {
    static let metadata = RuleMetadata(
        id: "server-environment-undeclared", title: "Server does not declare its environment or audience", severity: .info, owasp: .api9, cwe: [1059],
        description: "A server has no `description` (production, staging, …) and no `x-internal` flag, so nobody can tell from the inventory which deployments are public and which should not be.",
        remediation: "Describe each server's environment and mark internal ones with `x-internal: true`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        guard api.version != .swagger2 else { return }
        for item in api.document.root["servers"]?.items ?? [] where item.node["description"] == nil && item.node["x-internal"] == nil {
            hits.flag(item, "server \(item.node["url"]?.string ?? "?") declares no environment")
        }
    }
}
