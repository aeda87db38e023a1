import RampartCore

struct NumberUnbounded: AuditRule {
    static let metadata = RuleMetadata(
        id: "number-unbounded", title: "Input number without minimum or maximum", severity: .low, owasp: .api4, cwe: [20],
        description: "A number the API accepts has no lower or upper bound, inviting negative quantities, huge page sizes and overflows.",
        remediation: "Give every input integer and number a `minimum` and a `maximum`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.inputSchemas where !schema.schemaTypes.isDisjoint(with: ["integer", "number"]) && !schema.isReadOnly && !schema.restrictsValues {
            let node = schema.node
            var missing: [String] = []
            if node["minimum"] == nil && node["exclusiveMinimum"].map({ $0.number != nil }) != true { missing.append("minimum") }
            if node["maximum"] == nil && node["exclusiveMaximum"].map({ $0.number != nil }) != true { missing.append("maximum") }
            if !missing.isEmpty { hits.flag(schema, "number '\(api.label(of: schema))' has no \(missing.joined(separator: " or "))") }
        }
    }
}
