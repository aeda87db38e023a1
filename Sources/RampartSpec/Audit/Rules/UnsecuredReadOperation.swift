import RampartCore

struct UnsecuredReadOperation: AuditRule {
    static let metadata = RuleMetadata(
        id: "unsecured-read-operation", title: "Read operation needs no authentication", severity: .low, owasp: .api2, cwe: [306],
        description: "The API defines security schemes but this read operation requires none. Public endpoints exist on purpose; this rule asks you to confirm each.",
        remediation: "Require a security scheme, or mark the operation as intentionally public with `x-rampart-ignore: [unsecured-read-operation]`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        guard !api.securitySchemes.isEmpty else { return }
        for op in api.operations where !op.isWrite && !op.isAuthenticated && !op.isAuthenticationEndpoint {
            guard api.responsePropertyNames(of: op).allSatisfy({ !UnsecuredPersonalData.personal.contains(normalized($0)) }) else { continue }
            hits.flag(op.ownSecurity?.cursor ?? op.cursor, "\(op.label) requires no authentication", confidence: .tentative)
        }
    }
}
