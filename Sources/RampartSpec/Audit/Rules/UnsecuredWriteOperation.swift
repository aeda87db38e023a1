import RampartCore

struct UnsecuredWriteOperation: AuditRule {
    static let metadata = RuleMetadata(
        id: "unsecured-write-operation", title: "Operation that changes data needs no authentication", severity: .high, owasp: .api2, cwe: [306],
        description: "A POST, PUT, PATCH or DELETE operation has no security requirement (or `security: []`), so anyone can create, change or delete data through it.",
        remediation: "Require a security scheme on the operation or globally; if it must be anonymous (sign-up, webhooks), protect it otherwise (signatures, rate limits) and mark the intent with `x-rampart-ignore`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations where op.isWrite && !op.isAuthenticated && !op.isAuthenticationEndpoint {
            let explicit = op.ownSecurity?.allowsAnonymous == true
            hits.flag(op.ownSecurity?.cursor ?? op.cursor, explicit ? "\(op.label) opts out of authentication with an empty security requirement" : "\(op.label) changes data and requires no authentication")
        }
    }
}
