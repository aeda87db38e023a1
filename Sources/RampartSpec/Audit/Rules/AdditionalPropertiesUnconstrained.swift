import RampartCore

struct AdditionalPropertiesUnconstrained: AuditRule {
    static let metadata = RuleMetadata(
        id: "additional-properties-unconstrained", title: "Input map without maximum properties", severity: .low, owasp: .api4, cwe: [770],
        description: "An input object is a free-form map (`additionalProperties` is a schema) with no `maxProperties`, so one request can carry any number of keys.",
        remediation: "Add `maxProperties` to free-form input maps.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.inputSchemas where schema.node["additionalProperties"]?.isObject == true && schema.node["maxProperties"] == nil {
            hits.flag(schema, "map '\(api.label(of: schema))' has no maxProperties")
        }
    }
}
