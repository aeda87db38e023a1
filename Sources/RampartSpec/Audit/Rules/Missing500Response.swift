import RampartCore

struct Missing500Response: AuditRule {
    static let metadata = RuleMetadata(
        id: "missing-500-response", title: "Operation documents no server error", severity: .info, owasp: .api8, cwe: [209],
        description: "No 500 (or 5XX/default) response is documented, so what the API returns on failure, and whether it leaks stack traces, is unspecified.",
        remediation: "Document a generic 500 response with an error schema that carries a correlation id, not internals.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations where !op.documents("500", "5XX", "DEFAULT") && !op.responses.isEmpty {
            guard op.responses.contains(where: { NoErrorResponses.isError($0.status) }) else { continue }
            hits.flag(op.responsesCursor ?? op.cursor, "\(op.label) documents no 500 response")
        }
    }
}
