import RampartCore

struct UndefinedOAuthScope: AuditRule {
    static let metadata = RuleMetadata(
        id: "undefined-oauth-scope", title: "Security requirement uses an undeclared OAuth scope", severity: .low, owasp: .api5, cwe: [285],
        description: "An operation requires an OAuth scope that none of the scheme's flows declares, so no token can carry it, or authorization is checked against a name nobody issues.",
        remediation: "Declare the scope in the scheme's flows, or correct the requirement.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for requirement in api.securityRequirements {
            for alternative in requirement.alternatives {
                for (name, scopes) in alternative {
                    guard let scheme = api.scheme(named: name), scheme.type == "oauth2", !scheme.flows.isEmpty else { continue }
                    let declared = Set(scheme.flows.flatMap(\.scopes))
                    let missing = scopes.filter { !declared.contains($0) }
                    if !missing.isEmpty { hits.flag(requirement.cursor, "scheme '\(name)' declares no scope \(missing.joined(separator: ", "))") }
                }
            }
        }
    }
}
