import RampartCore

struct APIKeyInCookie: AuditRule {
    static let metadata = RuleMetadata(
        id: "api-key-in-cookie", title: "API key sent in a cookie", severity: .medium, owasp: .api2, cwe: [352],
        description: "Browsers attach cookies automatically, so cookie-borne credentials make every state-changing operation a cross-site request forgery target.",
        remediation: "Send the key in a request header; if cookies are required, use SameSite=Strict cookies and anti-CSRF tokens.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for scheme in api.securitySchemes where scheme.type == "apiKey" && scheme.location == "cookie" {
            hits.flag(scheme.cursor, "API key scheme '\(scheme.name)' is sent in a cookie")
        }
    }
}
