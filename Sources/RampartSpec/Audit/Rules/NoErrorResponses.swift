import RampartCore

struct NoErrorResponses: AuditRule {
    static let metadata = RuleMetadata(
        id: "no-error-responses", title: "Operation documents no error response", severity: .low, owasp: .api8, cwe: [755],
        description: "The operation documents only successes: no 4xx, 5xx or default response. Error behaviour is then undefined, untested and often leaks internals.",
        remediation: "Document the error responses (at least 400, 401/403 where secured, 404, 429, 500) with a shared error schema.")

    static func isError(_ status: String) -> Bool { status.hasPrefix("4") || status.hasPrefix("5") || status == "DEFAULT" }

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations where !op.responses.contains(where: { Self.isError($0.status) }) {
            hits.flag(op.responsesCursor ?? op.cursor, "\(op.label) documents no error response")
        }
    }
}
