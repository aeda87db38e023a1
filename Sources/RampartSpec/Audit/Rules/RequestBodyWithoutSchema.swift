import RampartCore

struct RequestBodyWithoutSchema: AuditRule {
    static let metadata = RuleMetadata(
        id: "request-body-without-schema", title: "Request body without schema", severity: .medium, owasp: .api8, cwe: [20],
        description: "A request body media type has no schema, so nothing says what the API accepts and nothing can validate it.",
        remediation: "Describe the body with a `schema` for each media type.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations {
            guard let body = op.requestBody else { continue }
            if body.content.isEmpty, api.version != .swagger2 {
                hits.flag(body.cursor, "\(op.label) has a request body with no content")
            }
            for media in body.content where media.schema == nil {
                hits.flag(media.cursor, "\(op.label) accepts \(media.name) without a schema")
                if api.version == .swagger2 { break }
            }
        }
    }
}
