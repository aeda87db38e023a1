import RampartCore

struct TokenInResponse: AuditRule {
    static let metadata = RuleMetadata(
        id: "token-in-response", title: "Response carries a credential", severity: .low, owasp: .api3, cwe: [200],
        description: "A response schema contains an API key, session id or access/refresh token. Only the endpoint that issues credentials should return them.",
        remediation: "Return credentials only from login/token endpoints; elsewhere return an id or a masked value.")

    static let names: Set<String> = ["apikey", "accesstoken", "refreshtoken", "sessiontoken", "sessionid", "authtoken", "idtoken", "bearertoken"]

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.outputSchemas {
            for (name, property) in schema["properties"]?.entries ?? [] where Self.names.contains(normalized(name)) {
                hits.flag(property, "response property '\(name)' carries a credential", confidence: .tentative)
            }
        }
    }
}
