import RampartCore

struct InsecureHTTPAuthScheme: AuditRule {
    static let metadata = RuleMetadata(
        id: "insecure-http-auth-scheme", title: "Weak HTTP authentication scheme", severity: .medium, owasp: .api2, cwe: [327],
        description: "Digest (MD5), Negotiate/NTLM and OAuth 1.0 HTTP schemes rely on weak or deprecated cryptography.",
        remediation: "Use bearer tokens from OAuth 2.0 / OpenID Connect, or mutual TLS.")

    static let weak: Set<String> = ["digest", "negotiate", "ntlm", "oauth"]

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for scheme in api.securitySchemes where scheme.type == "http" && Self.weak.contains(scheme.scheme ?? "") {
            hits.flag(scheme.cursor, "security scheme '\(scheme.name)' uses the weak HTTP '\(scheme.scheme!)' scheme")
        }
    }
}
