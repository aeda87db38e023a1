import RampartCore

struct OAuth2NoRefreshURL: AuditRule {
    static let metadata = RuleMetadata(
        id: "oauth2-no-refresh-url", title: "OAuth 2.0 flow without refresh URL", severity: .low, owasp: .api2, cwe: [613],
        description: "Short-lived access tokens limit the damage of a leaked token; they need refresh tokens, and a flow without `refreshUrl` suggests long-lived access tokens.",
        remediation: "Issue short-lived access tokens with refresh tokens and declare the flow's `refreshUrl`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        guard api.version != .swagger2 else { return }
        for scheme in api.securitySchemes {
            for flow in scheme.flows where flow.kind == "authorizationCode" && flow.cursor.node["refreshUrl"] == nil {
                hits.flag(flow.cursor, "OAuth2 scheme '\(scheme.name)' flow '\(flow.kind)' declares no refreshUrl")
            }
        }
    }
}
