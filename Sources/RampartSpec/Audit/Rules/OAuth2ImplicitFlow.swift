import RampartCore

struct OAuth2ImplicitFlow: AuditRule {
    static let metadata = RuleMetadata(
        id: "oauth2-implicit-flow", title: "OAuth 2.0 implicit flow", severity: .high, owasp: .api2, cwe: [522],
        description: "The implicit flow returns access tokens in the URL fragment, where they leak through history, referrers and injected scripts. The OAuth 2.0 Security Best Current Practice (RFC 9700) says it should not be used.",
        remediation: "Use the authorization code flow with PKCE.",
        references: ["https://www.rfc-editor.org/rfc/rfc9700"])

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for scheme in api.securitySchemes {
            for flow in scheme.flows where flow.kind == "implicit" {
                hits.flag(flow.cursor, "OAuth2 scheme '\(scheme.name)' offers the implicit flow")
            }
        }
    }
}
