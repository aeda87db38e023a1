import RampartCore

struct HTTPBasicAuth: AuditRule {
    static let metadata = RuleMetadata(
        id: "http-basic-auth", title: "HTTP Basic authentication", severity: .medium, owasp: .api2, cwe: [522],
        description: "HTTP Basic sends the reusable password with every request, base64-encoded, and offers no expiry, scoping or revocation short of changing the password.",
        remediation: "Use short-lived tokens (OAuth 2.0 / OpenID Connect bearer tokens) or at least scoped, revocable API keys.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for scheme in api.securitySchemes where scheme.type == "http" && scheme.scheme == "basic" {
            hits.flag(scheme.cursor, "security scheme '\(scheme.name)' uses HTTP Basic")
        }
    }
}
