import RampartCore

struct ArrayUnbounded: AuditRule {
    static let metadata = RuleMetadata(
        id: "array-unbounded", title: "Input array without maximum items", severity: .medium, owasp: .api4, cwe: [770],
        description: "An array the API accepts has no `maxItems`, so one request can carry millions of elements and each one costs work.",
        remediation: "Give every input array a `maxItems`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.inputSchemas where schema.schemaTypes.contains("array") && !schema.isReadOnly && schema.node["maxItems"] == nil {
            hits.flag(schema, "array '\(api.label(of: schema))' has no maxItems")
        }
    }
}
