import RampartCore

struct MissingAuthErrorResponses: AuditRule {
    static let metadata = RuleMetadata(
        id: "missing-auth-error-responses", title: "Secured operation without 401/403 responses", severity: .low, owasp: .api8, cwe: [755],
        description: "An operation that requires authentication does not document 401 (not authenticated), or one that requires scopes does not document 403 (not allowed). Undocumented failure modes are untested ones.",
        remediation: "Document 401 on every secured operation and 403 where scopes or roles are required, with an error schema.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations where op.isAuthenticated && !op.documents("4XX") {
            let place = op.responsesCursor ?? op.cursor
            if !op.documents("401") {
                hits.flag(place, "\(op.label) requires authentication but documents no 401")
            } else if !op.documents("403"), op.security?.alternatives.contains(where: { $0.contains { !$0.scopes.isEmpty } }) == true {
                hits.flag(place, "\(op.label) requires scopes but documents no 403")
            }
        }
    }
}
