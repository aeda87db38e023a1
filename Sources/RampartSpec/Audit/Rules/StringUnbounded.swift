import RampartCore

struct StringUnbounded: AuditRule {
    static let metadata = RuleMetadata(
        id: "string-unbounded", title: "Input string without maximum length", severity: .medium, owasp: .api4, cwe: [770],
        description: "A string the API accepts has no `maxLength`, `enum`, `pattern` or bounded `format`, so clients may send megabytes where a name was expected: memory, storage and downstream parsers pay for it.",
        remediation: "Give every input string a `maxLength` (or an `enum`, `pattern` or a bounded `format` such as uuid or date-time).")

    static let boundedFormats: Set<String> = ["date", "date-time", "time", "uuid", "email", "ipv4", "ipv6", "int32", "int64", "hostname", "duration"]

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.inputSchemas where schema.schemaTypes.contains("string") && !schema.isReadOnly && !schema.restrictsValues {
            let node = schema.node
            guard node["maxLength"] == nil, node["pattern"] == nil, !Self.boundedFormats.contains(node["format"]?.string ?? "") else { continue }
            hits.flag(schema, "string '\(api.label(of: schema))' has no maxLength")
        }
    }
}
