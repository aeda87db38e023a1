import RampartCore

struct BearerWithoutFormat: AuditRule {
    static let metadata = RuleMetadata(
        id: "bearer-without-format", title: "Bearer scheme without token format", severity: .low, owasp: .api2, cwe: [287],
        description: "A bearer scheme that does not say what the token is (`bearerFormat`, e.g. JWT) leaves clients, gateways and testers guessing how it is validated.",
        remediation: "Add `bearerFormat` (e.g. `JWT`) and describe how tokens are issued, validated and expired.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for scheme in api.securitySchemes where scheme.type == "http" && scheme.scheme == "bearer" && scheme.bearerFormat == nil {
            hits.flag(scheme.cursor, "bearer scheme '\(scheme.name)' has no bearerFormat")
        }
    }
}
