import RampartCore

struct APIKeyInQuery: AuditRule {
    static let metadata = RuleMetadata(
        id: "api-key-in-query", title: "API key sent in the query string", severity: .high, owasp: .api2, cwe: [598],
        description: "Query strings end up in server and proxy logs, browser history and Referer headers, so a key sent there leaks.",
        remediation: "Send the key in a request header (`in: header`), e.g. `Authorization` or `X-API-Key`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for scheme in api.securitySchemes where scheme.type == "apiKey" && scheme.location == "query" {
            hits.flag(scheme.cursor, "API key scheme '\(scheme.name)' is sent in the query string")
        }
    }
}
