import RampartCore

struct UndefinedSecurityScheme: AuditRule {
    static let metadata = RuleMetadata(
        id: "undefined-security-scheme", title: "Security requirement names an undefined scheme", severity: .medium, owasp: .api2, cwe: [287],
        description: "A `security` requirement names a scheme that is not defined, so tools and gateways cannot enforce it and may treat the operation as unprotected.",
        remediation: "Define the scheme under `components.securitySchemes` (2.0: `securityDefinitions`) or fix the name.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        let defined = Set(api.securitySchemes.map(\.name))
        for requirement in api.securityRequirements {
            let unknown = Set(requirement.alternatives.flatMap { $0.map(\.scheme) }).subtracting(defined).sorted()
            if !unknown.isEmpty { hits.flag(requirement.cursor, "undefined security scheme \(unknown.joined(separator: ", "))") }
        }
    }
}
