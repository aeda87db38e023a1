import RampartCore

struct ServerVariableUnbounded: AuditRule {
    static let metadata = RuleMetadata(
        id: "server-variable-unbounded", title: "Server variable without enum", severity: .low, owasp: .api8, cwe: [20],
        description: "A server URL variable accepts any value, so generated clients and tools can be pointed at arbitrary hosts.",
        remediation: "List the allowed values of each server variable with `enum`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for server in api.servers {
            for (name, variable) in server.variables where variable.node["enum"] == nil {
                hits.flag(variable, "server variable '\(name)' of \(server.url) has no enum")
            }
        }
    }
}
