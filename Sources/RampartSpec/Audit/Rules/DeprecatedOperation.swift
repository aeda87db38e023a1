import RampartCore

struct DeprecatedOperation: AuditRule {
    static let metadata = RuleMetadata(
        id: "deprecated-operation", title: "Deprecated operation still published", severity: .low, owasp: .api9, cwe: [477],
        description: "The operation is marked deprecated but still described, and so probably still deployed. Deprecated endpoints miss later security fixes and are forgotten.",
        remediation: "Set a sunset date (`Sunset` header), monitor its use, and remove it from the API and the description when it reaches zero.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations where op.deprecated {
            hits.flag(op.cursor["deprecated"] ?? op.cursor, "\(op.label) is deprecated but still published")
        }
    }
}
