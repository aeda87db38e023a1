import RampartCore

struct RetryAfterMissing: AuditRule {
    static let metadata = RuleMetadata(
        id: "retry-after-missing", title: "429 response without Retry-After", severity: .low, owasp: .api4, cwe: [770],
        description: "A 429 response that does not say when to retry makes well-behaved clients guess and badly-behaved ones retry at once.",
        remediation: "Declare the `Retry-After` header on 429 responses.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations {
            guard let response = op.response("429"), !response.headers.contains("retry-after") else { continue }
            hits.flag(response.cursor, "\(op.label) 429 does not declare Retry-After")
        }
    }
}
