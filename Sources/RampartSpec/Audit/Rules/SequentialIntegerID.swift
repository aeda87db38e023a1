import RampartCore

struct SequentialIntegerID: AuditRule {
    static let metadata = RuleMetadata(
        id: "sequential-integer-id", title: "Object identified by a sequential integer", severity: .medium, owasp: .api1, cwe: [639],
        description: "A path parameter that identifies an object is an integer. Sequential ids let an attacker enumerate other users' objects by counting, which turns any missing ownership check into a data breach (BOLA).",
        remediation: "Use unguessable identifiers (UUIDs or random ids) and check object ownership on every request.")

    static func isIdentifier(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower == "id" || lower.hasSuffix("id") || lower.hasSuffix("_id") || lower.hasSuffix("ids") || lower.hasSuffix("number")
    }

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations {
            for parameter in op.parameters where parameter.location == "path" && Self.isIdentifier(parameter.name) {
                guard let schema = parameter.schema.flatMap(api.document.resolve), schema.schemaTypes.contains("integer") else { continue }
                hits.flag(parameter.cursor, "\(op.path) identifies objects by integer '\(parameter.name)'", confidence: .firm)
            }
        }
    }
}
