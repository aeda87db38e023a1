import RampartCore

struct RequestSchemaPermissive: AuditRule {
    static let metadata = RuleMetadata(
        id: "request-schema-permissive", title: "Input schema accepts anything", severity: .low, owasp: .api8, cwe: [20],
        description: "An input schema has no type, properties, items, composition or value restriction, so any JSON value passes validation.",
        remediation: "Give the schema a `type` and describe its shape.")

    static let shapeKeys = ["type", "properties", "items", "allOf", "anyOf", "oneOf", "not", "$ref", "enum", "const", "format", "pattern", "additionalProperties", "prefixItems", "patternProperties"]

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.inputSchemas where !Self.shapeKeys.contains(where: { schema.node[$0] != nil }) {
            hits.flag(schema, "schema '\(api.label(of: schema))' accepts any value")
        }
    }
}
