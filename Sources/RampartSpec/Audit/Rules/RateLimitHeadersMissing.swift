import RampartCore

struct RateLimitHeadersMissing: AuditRule {
    static let metadata = RuleMetadata(
        id: "rate-limit-headers-missing", title: "Rate-limited operation does not declare rate-limit headers", severity: .low, owasp: .api4, cwe: [770],
        description: "The operation documents a 429 but its successful responses declare no rate-limit headers (`RateLimit`, `RateLimit-Limit`, `X-RateLimit-Limit`), so clients cannot pace themselves before they are throttled.",
        remediation: "Return and document the IETF `RateLimit`/`RateLimit-Policy` headers (or `X-RateLimit-*`) on successful responses.")

    static func declaresRateLimit(_ headers: [String]) -> Bool {
        headers.contains { $0.hasPrefix("ratelimit") || $0.hasPrefix("x-ratelimit") || $0.hasPrefix("x-rate-limit") }
    }

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations where op.documents("429") {
            for response in op.responses where response.status.hasPrefix("2") && !Self.declaresRateLimit(response.headers) {
                hits.flag(response.cursor, "\(op.label) \(response.status) declares no rate-limit headers")
            }
        }
    }
}
