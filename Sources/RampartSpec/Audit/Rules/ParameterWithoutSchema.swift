import RampartCore

struct ParameterWithoutSchema: AuditRule {
    static let metadata = RuleMetadata(
        id: "parameter-without-schema", title: "Parameter without type", severity: .low, owasp: .api8, cwe: [20],
        description: "A parameter declares no schema (3.x) or no type (2.0), so any value is accepted and nothing validates it.",
        remediation: "Give every parameter a `schema` with a `type` (2.0: `type`).")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations {
            for parameter in op.parameters {
                let untyped: Bool
                if let schema = parameter.schema {
                    untyped = api.version == .swagger2 && schema.node["type"] == nil && schema.node["$ref"] == nil
                } else {
                    untyped = true
                }
                guard untyped else { continue }
                hits.flag(parameter.cursor, "parameter '\(parameter.name)' of \(op.label) has no type")
            }
        }
    }
}
