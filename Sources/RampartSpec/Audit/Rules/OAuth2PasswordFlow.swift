import RampartCore

struct OAuth2PasswordFlow: AuditRule {
    static let metadata = RuleMetadata(
        id: "oauth2-password-flow", title: "OAuth 2.0 resource owner password flow", severity: .high, owasp: .api2, cwe: [522],
        description: "The password grant hands the user's password to the client application, defeating the point of OAuth. RFC 9700 says it must not be used.",
        remediation: "Use the authorization code flow with PKCE (or client credentials for machine clients).",
        references: ["https://www.rfc-editor.org/rfc/rfc9700"])

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for scheme in api.securitySchemes {
            for flow in scheme.flows where flow.kind == "password" {
                hits.flag(flow.cursor, "OAuth2 scheme '\(scheme.name)' offers the password flow")
            }
        }
    }
}
