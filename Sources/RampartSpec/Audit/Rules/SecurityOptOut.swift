import RampartCore

struct SecurityOptOut: AuditRule {
    static let metadata = RuleMetadata(
        id: "security-opt-out", title: "Operation opts out of the global security requirement", severity: .medium, owasp: .api2, cwe: [287],
        description: "The API requires authentication globally, but this read operation overrides it with `security: []` or an empty `{}` alternative, making it anonymous.",
        remediation: "Remove the override, or document why the operation is public and silence the rule for it with `x-rampart-ignore`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        guard let global = api.globalSecurity, !global.allowsAnonymous else { return }
        for op in api.operations where !op.isWrite && !op.isAuthenticationEndpoint {
            guard let own = op.ownSecurity, own.allowsAnonymous else { continue }
            hits.flag(own.cursor, "\(op.label) overrides the global security requirement with anonymous access")
        }
    }
}
