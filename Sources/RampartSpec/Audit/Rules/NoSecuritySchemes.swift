import RampartCore

struct NoSecuritySchemes: AuditRule {
    static let metadata = RuleMetadata(
        id: "no-security-schemes", title: "No security schemes defined", severity: .high, owasp: .api2, cwe: [306],
        description: "The description defines no security scheme at all, so no operation can declare how callers authenticate. Either the API is entirely public or its authentication is undocumented and untestable.",
        remediation: "Declare the schemes the API accepts under `components.securitySchemes` (2.0: `securityDefinitions`) and require them with a top-level `security` list.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        guard api.securitySchemes.isEmpty, !api.operations.isEmpty else { return }
        let place = api.document.root["components"] ?? api.document.root["info"] ?? api.document.root
        hits.flag(place, "\(api.operations.count) operations and no security scheme")
    }
}
