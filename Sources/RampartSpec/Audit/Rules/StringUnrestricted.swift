import RampartCore

struct StringUnrestricted: AuditRule {
    static let metadata = RuleMetadata(
        id: "string-unrestricted", title: "Input string without format, pattern or enum", severity: .info, owasp: .api8, cwe: [20],
        description: "A bounded input string still accepts any characters. Restricting it (`format`, `pattern`, `enum`) rejects injection payloads at the edge.",
        remediation: "Add a `format`, an anchored `pattern` or an `enum` where the value has a known shape.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.inputSchemas where schema.schemaTypes.contains("string") && !schema.isReadOnly && !schema.restrictsValues {
            let node = schema.node
            guard node["maxLength"] != nil, node["pattern"] == nil, node["format"] == nil else { continue }
            hits.flag(schema, "string '\(api.label(of: schema))' has no format, pattern or enum")
        }
    }
}
