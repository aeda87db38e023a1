import RampartCore

struct UnpaginatedCollection: AuditRule {
    static let metadata = RuleMetadata(
        id: "unpaginated-collection", title: "Collection returned without pagination", severity: .medium, owasp: .api4, cwe: [770],
        description: "A read operation returns a list but takes no limit, page or cursor parameter, so each call returns (and the server builds) the whole collection, which only grows.",
        remediation: "Add a bounded `limit` (or `page`/`pageSize`, `cursor`) parameter with a maximum, and paginate the response.")

    static let pagination = ["limit", "page", "pagesize", "perpage", "offset", "cursor", "size", "top", "first", "last", "max", "count",
                             "startingafter", "endingbefore", "pagetoken", "after", "before", "skip", "take", "from", "maxresults", "continuationtoken"]

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations where op.method == "GET" {
            let paginated = op.parameters.contains { param in
                let name = normalized(param.name)
                return param.location == "query" && (Self.pagination.contains(name) || name.hasSuffix("limit") || name.hasSuffix("page") || name.hasSuffix("pagesize"))
            }
            guard !paginated, let ok = op.responses.first(where: { $0.status.hasPrefix("2") }) else { continue }
            for media in ok.content {
                guard let schema = media.schema.flatMap(api.document.resolve), isCollection(schema, api) else { continue }
                hits.flag(op.cursor, "\(op.label) returns a list and takes no limit or page parameter")
                break
            }
        }
    }

    private func isCollection(_ schema: Cursor, _ api: APIDescription) -> Bool {
        if schema.schemaTypes.contains("array") { return true }
        // Common envelopes: {"data": [...]}, {"items": [...]}, {"results": [...]}
        for key in ["data", "items", "results", "records", "entries", "content"] {
            if let property = schema["properties"]?[key], api.document.resolve(property)?.schemaTypes.contains("array") == true { return true }
        }
        return false
    }
}
