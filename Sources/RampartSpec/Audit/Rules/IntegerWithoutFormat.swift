import RampartCore

struct IntegerWithoutFormat: AuditRule {
    static let metadata = RuleMetadata(
        id: "integer-without-format", title: "Input integer without format", severity: .low, owasp: .api4, cwe: [190],
        description: "An input integer does not say whether it is 32 or 64 bits, so clients and servers may disagree and overflow.",
        remediation: "Add `format: int32` or `format: int64`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.inputSchemas where schema.schemaTypes.contains("integer") && !schema.isReadOnly && !schema.restrictsValues && schema.node["format"] == nil {
            hits.flag(schema, "integer '\(api.label(of: schema))' has no format")
        }
    }
}
