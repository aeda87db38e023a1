import RampartCore

struct UnresolvedReference: AuditRule {
    static let metadata = RuleMetadata(
        id: "unresolved-reference", title: "Reference that cannot be resolved", severity: .medium, owasp: .api9, cwe: [1059],
        description: "A `$ref` points at nothing (a missing file, pointer or a loop). Whatever it should describe is unchecked by validators, gateways and this audit.",
        remediation: "Fix the reference; run the audit again to check what it describes.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        // The schema walks resolve lazily; make sure every reachable $ref has been tried.
        _ = api.inputSchemas
        _ = api.outputSchemas
        for broken in api.document.brokenReferences {
            guard let node = api.document.node(file: broken.file, pointer: broken.pointer) else { continue }
            hits.flag(Cursor(node: node, file: broken.file, pointer: broken.pointer), "$ref '\(broken.reference)': \(broken.reason)")
        }
    }
}
