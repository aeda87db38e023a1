/// Visits every schema reachable from some roots, following `$ref`s and
/// composition, each definition once (so cycles end and shared schemas are not re-walked).
public struct SchemaWalker {
    public let document: SpecDocument
    public private(set) var visited: [Cursor] = []
    /// A readable name for each visited schema: the parameter or property it was first reached as.
    public private(set) var labels: [ObjectIdentifier: String] = [:]
    private var seen: Set<ObjectIdentifier> = []

    public init(document: SpecDocument) { self.document = document }

    public mutating func walk(_ start: Cursor, label: String) {
        var stack = [(start, label)]
        while let (next, label) = stack.popLast() {
            guard let schema = document.resolve(next), schema.node.isObject,
                  seen.insert(ObjectIdentifier(schema.node)).inserted else { continue }
            visited.append(schema)
            // A named component is better known by its own name.
            let segments = schema.pointer.split(separator: "/")
            let isComponent = (segments.count == 3 && segments[0] == "components" && segments[1] == "schemas")
                || (segments.count == 2 && segments[0] == "definitions")
            let name = isComponent ? Cursor.unescape(segments.last!) : label
            labels[ObjectIdentifier(schema.node)] = name
            for key in ["properties", "patternProperties", "dependentSchemas", "definitions", "$defs"] {
                for (property, child) in schema[key]?.entries ?? [] { stack.append((child, "\(name).\(property)")) }
            }
            for key in ["items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames", "unevaluatedProperties", "additionalItems"] {
                guard let child = schema[key] else { continue }
                let childLabel = key == "items" ? name + "[]" : name
                if case .array = child.node.value { stack += child.items.map { ($0, childLabel) } } else { stack.append((child, childLabel)) }
            }
            for key in ["allOf", "anyOf", "oneOf", "prefixItems"] { stack += (schema[key]?.items ?? []).map { ($0, name) } }
        }
    }
}

extension Cursor {
    /// `type` as a set (3.1 allows a list), empty when absent.
    public var schemaTypes: Set<String> { Set(node["type"]?.strings ?? []) }
}
