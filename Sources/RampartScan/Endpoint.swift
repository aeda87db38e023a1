import Foundation
import RampartCore
import RampartSpec

/// One documented operation, as the scanner sees it.
public struct Endpoint: @unchecked Sendable {
    public let operation: APIDescription.Operation
    let document: SpecDocument

    public var method: String { operation.method }
    public var path: String { operation.path }
    public var label: String { operation.label }
    public var isSecured: Bool { operation.isAuthenticated }
    public var tags: [String] { operation.cursor["tags"]?.node.strings ?? [] }
    public var scopes: [String] { operation.security?.alternatives.flatMap { $0.flatMap(\.scopes) } ?? [] }
    public var pathParameters: [String] { Self.placeholders(in: path) }

    /// Where the finding points: the operation, by method and path template.
    public func location(parameter: String? = nil) -> Location {
        Location(method: method, path: path, parameter: parameter)
    }

    /// Found by crawling a target without a description (its security and roles are what the crawl observed).
    public var isCrawled: Bool { document.rootFile == SurfaceDescription.file }

    /// Staff-only by its description: an admin tag, an `admin` path segment or an admin scope.
    public var isAdminOnly: Bool {
        // A crawled page was linked to whoever crawled it: an `admin` in its path is data (a user name), not a role.
        if isCrawled { return false }
        let words = ["admin", "internal", "staff", "superuser"]
        return tags.contains { tag in words.contains { tag.lowercased().contains($0) } }
            || path.lowercased().split(separator: "/").contains { segment in words.contains { segment == $0 || segment.hasPrefix($0 + "-") } }
            || scopes.contains { scope in words.contains { scope.lowercased().contains($0) } }
    }

    /// The schema of the request body (JSON first, else the first media type), resolved.
    public var bodySchema: Cursor? {
        guard let body = operation.requestBody else { return nil }
        let media = body.content.first { $0.name.lowercased().contains("json") } ?? body.content.first
        return media?.schema.flatMap(resolve)
    }

    public var takesJSONBody: Bool {
        operation.requestBody?.content.contains { $0.name.lowercased().contains("json") } ?? false
    }

    /// An HTML form's body (`application/x-www-form-urlencoded`), and no JSON alternative.
    public var takesFormBody: Bool {
        !takesJSONBody && (operation.requestBody?.content.contains { $0.name.lowercased() == "application/x-www-form-urlencoded" } ?? false)
    }

    /// The body's fields in the order a client sends them: `required` first (the crawl lists a form's fields there in
    /// page order), then the schema's properties as written. Some servers read form fields in order.
    public var bodyFieldOrder: [String] {
        guard let schema = bodySchema else { return [] }
        var order: [String] = []
        for name in (schema["required"]?.node.strings ?? []) + (schema["properties"]?.entries.map(\.key) ?? []) where !order.contains(name) { order.append(name) }
        return order
    }

    /// The JSON schema of the first 2xx response.
    public var successSchema: Cursor? {
        let response = operation.responses.filter { $0.status.hasPrefix("2") }.sorted { $0.status < $1.status }.first
        let media = response?.content.first { $0.name.lowercased().contains("json") }
        return media?.schema.flatMap(resolve)
    }

    public func resolve(_ cursor: Cursor) -> Cursor? {
        cursor.node["$ref"] == nil ? cursor : document.resolve(cursor)
    }

    /// Query parameters with their resolved schemas.
    public var queryParameters: [(name: String, schema: Cursor?, required: Bool, example: Any?)] { parameters(in: "query") }

    /// Parameters of one place (`query`, `header`, `cookie`) with their resolved schemas.
    public func parameters(in place: String) -> [(name: String, schema: Cursor?, required: Bool, example: Any?)] {
        operation.parameters.filter { $0.location == place }.map { parameter in
            (parameter.name, parameter.schema.flatMap(resolve), parameter.required, parameter.cursor["example"].map { ExampleBuilder.literal($0) })
        }
    }

    /// The root element of the operation's XML body: the schema's `xml.name`, the name of the schema it refers to, or `request`.
    public var xmlRootName: String {
        guard let schema = operation.requestBody?.content.first(where: { $0.name.lowercased().contains("xml") })?.schema else { return "request" }
        if let name = resolve(schema)?["xml"]?["name"]?.node.string { return name }
        if let reference = schema["$ref"]?.node.string, let last = reference.split(separator: "/").last { return String(last) }
        return "request"
    }

    /// A body the operation takes as XML (`application/xml`, `text/xml`, `…+xml`) and no JSON alternative.
    public var takesXMLBody: Bool {
        !takesJSONBody && (operation.requestBody?.content.contains { $0.name.lowercased().contains("xml") } ?? false)
    }

    public func pathParameterExample(_ name: String) -> Any? {
        guard let parameter = operation.parameters.first(where: { $0.location == "path" && $0.name == name }) else { return nil }
        if let example = parameter.cursor["example"] { return ExampleBuilder.literal(example) }
        return parameter.schema.flatMap(resolve).map { ExampleBuilder(resolve: resolve).value(for: $0, name: name) }
    }

    static func placeholders(in path: String) -> [String] {
        var names: [String] = []
        var rest = Substring(path)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}

/// Builds example values that a schema accepts: examples and defaults first, then values by type and format.
struct ExampleBuilder {
    let resolve: (Cursor) -> Cursor?
    /// Values to use for properties by name (object ids created earlier, for instance).
    var overrides: (String) -> Any? = { _ in nil }

    static func literal(_ cursor: Cursor) -> Any {
        switch cursor.node.value {
        case .object: return Dictionary(uniqueKeysWithValues: cursor.entries.map { ($0.key, literal($0.cursor)) })
        case .array: return cursor.items.map(literal)
        case .string(let text): return text
        case .number(let text):
            if let integer = Int(text) { return integer }
            return Double(text) ?? 0
        case .bool(let flag): return flag
        case .null: return NSNull()
        }
    }

    func value(for schema: Cursor, name: String = "", depth: Int = 0) -> Any {
        guard depth < 6, let schema = resolve(schema) else { return NSNull() }
        if let override = overrides(name) { return override }
        // E-mail addresses are fresh every time: a fixed example would collide with the account made by the previous run.
        if schema["format"]?.node.string == "email" { return stringValue(schema, name: name) }
        if let example = schema["example"] { return Self.literal(example) }
        if let examples = schema["examples"]?.items.first { return Self.literal(examples) }
        if let value = schema["default"] { return Self.literal(value) }
        if let first = schema["enum"]?.items.first { return Self.literal(first) }
        if let const = schema["const"] { return Self.literal(const) }
        for combiner in ["allOf", "oneOf", "anyOf"] {
            if let options = schema[combiner]?.items, !options.isEmpty {
                if combiner == "allOf" {
                    var merged: [String: Any] = [:]
                    for part in options { if let object = value(for: part, name: name, depth: depth + 1) as? [String: Any] { merged.merge(object) { $1 } } }
                    return merged
                }
                return value(for: options[0], name: name, depth: depth + 1)
            }
        }
        let type = schema["type"]?.node.string ?? schema["type"]?.node.strings.first { $0 != "null" } ?? (schema["properties"] != nil ? "object" : "string")
        switch type {
        case "object":
            var object: [String: Any] = [:]
            for (key, property) in schema["properties"]?.entries ?? [] where resolve(property)?["readOnly"]?.node.bool != true {
                object[key] = value(for: property, name: key, depth: depth + 1)
            }
            return object
        case "array":
            return schema["items"].map { [value(for: $0, name: name, depth: depth + 1)] } ?? []
        case "integer":
            return Int(schema["minimum"]?.node.number ?? 1)
        case "number":
            return max(schema["minimum"]?.node.number ?? 1, 1)
        case "boolean":
            return true
        default:
            return stringValue(schema, name: name)
        }
    }

    func stringValue(_ schema: Cursor, name: String) -> String {
        let unique = UUID().uuidString.prefix(8).lowercased()
        switch schema["format"]?.node.string ?? "" {
        case "email": return "rampart-\(unique)@example.com"
        // A closed port on loopback: a target that fetches it calls no one (SSRF checks use their own listener).
        case "uri", "url": return "http://127.0.0.1:9/rampart"
        case "password": return "Rampart-\(unique)-Pw1!"
        case "date-time": return "2026-01-01T00:00:00Z"
        case "date": return "2026-01-01"
        case "uuid": return UUID().uuidString.lowercased()
        default:
            let minimum = Int(schema["minLength"]?.node.number ?? 0)
            let base = "rampart-\(unique)"
            return minimum > base.count ? base + String(repeating: "x", count: minimum - base.count) : base
        }
    }
}
