import RampartCore

struct RequestAdditionalProperties: AuditRule {
    static let metadata = RuleMetadata(
        id: "request-additional-properties", title: "Input object accepts undeclared properties", severity: .medium, owasp: .api3, cwe: [915],
        description: "An object the API accepts does not forbid properties it does not declare. Frameworks that bind request bodies to models then let clients set fields they should not (`isAdmin`, `balance`, `ownerId`): mass assignment.",
        remediation: "Set `additionalProperties: false` (3.1 with composition: `unevaluatedProperties: false`) on input objects.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.inputSchemas where schema.node["properties"] != nil && !schema.isReadOnly {
            let extra = schema.node["additionalProperties"], unevaluated = schema.node["unevaluatedProperties"]
            guard extra == nil || extra?.bool == true, unevaluated?.bool != false else { continue }
            hits.flag(schema, "object '\(api.label(of: schema))' accepts properties it does not declare")
        }
    }
}
