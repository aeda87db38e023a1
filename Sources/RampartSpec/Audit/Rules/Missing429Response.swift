import RampartCore

struct Missing429Response: AuditRule {
    static let metadata = RuleMetadata(
        id: "missing-429-response", title: "No 429 response where rate limiting is expected", severity: .low, owasp: .api4, cwe: [770],
        description: "Authentication endpoints, anonymous operations and operations that change data are the ones attackers hammer; without a documented 429 there is likely no rate limit on them.",
        remediation: "Rate-limit the operation and document the 429 response (with `Retry-After`).")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations where (op.isAuthenticationEndpoint || op.isWrite || !op.isAuthenticated) && !op.documents("429", "4XX") {
            hits.flag(op.responsesCursor ?? op.cursor, "\(op.label) documents no 429 response", confidence: .firm)
        }
    }
}
