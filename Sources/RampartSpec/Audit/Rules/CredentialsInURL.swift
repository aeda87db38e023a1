import RampartCore

struct CredentialsInURL: AuditRule {
    static let metadata = RuleMetadata(
        id: "credentials-in-url", title: "Credentials passed in the URL", severity: .high, owasp: .api2, cwe: [598],
        description: "A path or query parameter carries a password, secret, token or key. URLs are logged by servers and proxies and kept in browser history.",
        remediation: "Move the credential to a header (Authorization) or the request body.")

    static let credentialSuffixes = ["password", "passwd", "secret", "apikey", "accesstoken", "refreshtoken", "idtoken", "authtoken", "sessionid", "privatekey", "token"]
    /// Pagination and sync "tokens" are cursors, not credentials.
    static let cursorWords = ["page", "continuation", "sync", "next", "cursor", "csrf"]

    static func isCredential(_ name: String) -> Bool {
        let name = normalized(name)
        return credentialSuffixes.contains { name.hasSuffix($0) } && !cursorWords.contains { name.contains($0) }
    }

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations {
            for parameter in op.parameters where ["query", "path"].contains(parameter.location) && Self.isCredential(parameter.name) {
                hits.flag(parameter.cursor, "\(op.label) takes '\(parameter.name)' in the \(parameter.location)")
            }
        }
    }
}
