import Foundation
import GraphQL

/// One operation a client can send: a root query or mutation field with argument values the schema accepts and a
/// selection of the fields it returns. One argument may be left to a variable (`$value`), where a scanner puts payloads.
public struct GraphQLOperation: Sendable {
    /// `query` or `mutation`.
    public var kind: String
    public var field: GraphQLSchemaModel.Field
    /// The document to send.
    public var document: String
    /// The argument passed as `$value`, if any, and the plain value it normally gets.
    public var variable: (argument: String, value: String)?

    /// How a report names it: `query getUser`, or `query getUser(username)` for an argument.
    public var label: String { "\(kind) \(field.name)" + (variable.map { "(\($0.argument))" } ?? "") }
}

/// Builds operations from a schema: argument values by type (and by name, for strings), selections of scalar fields
/// a few levels deep, and nested queries along the schema's cycles.
public struct GraphQLOperationBuilder: Sendable {
    public var schema: GraphQLSchemaModel
    /// Levels of objects selected under the root field (connections need three: `edges { node { id } }`).
    public var selectionDepth = 3

    public init(schema: GraphQLSchemaModel) { self.schema = schema }

    /// The field with every argument filled in; `variable` names a string argument to pass as `$value`, `given`
    /// holds string arguments with fixed values (a token the identity passes as `me(token: …)`).
    public func operation(_ field: GraphQLSchemaModel.Field, kind: String, variable: String? = nil, value: String? = nil,
                          given: [String: String] = [:]) -> GraphQLOperation {
        var definitions = ""
        var plain: (String, String)?
        let arguments = field.arguments.compactMap { argument -> String? in
            if argument.name == variable {
                definitions = "($value: \(argument.type))"
                plain = (argument.name, value ?? Self.stringValue(for: argument.name))
                return "\(argument.name): $value"
            }
            if let fixed = given[argument.name] { return "\(argument.name): \(Self.quoted(fixed))" }
            // Optional arguments are left out (the server's defaults are valid by definition), except every field
            // of an input object, where what the client may set is what is tested.
            guard argument.type.isRequired || argument.type.kind == "INPUT_OBJECT" else { return nil }
            return "\(argument.name): \(literal(for: argument.type, name: argument.name))"
        }
        let argumentList = arguments.isEmpty ? "" : "(\(arguments.joined(separator: ", ")))"
        let document = "\(kind) Rampart\(definitions) { \(field.name)\(argumentList)\(selection(for: field.type, depth: 0, path: [])) }"
        return GraphQLOperation(kind: kind, field: field, document: document, variable: plain)
    }

    /// Every string argument of every root field, as an operation that takes it from `$value`.
    public func stringArgumentOperations(kind: String) -> [GraphQLOperation] {
        let fields = kind == "mutation" ? schema.mutations : schema.queries
        return fields.flatMap { field in
            field.arguments.filter { ["String", "ID"].contains($0.type.name) && $0.type.kind == "SCALAR" && !isList($0.type) }
                .map { operation(field, kind: kind, variable: $0.name) }
        }
    }

    /// A query nested `depth` object fields deep, following the schema's cycles (`posts { author { posts { … } } }`);
    /// nil when the schema has no path that deep.
    public func nestedQuery(depth: Int) -> String? {
        var reachable: [String: Bool] = [:]
        // Whether `type` has an object field chain `remaining` levels long (memoised: cycles make the tree infinite).
        func reaches(_ type: String, _ remaining: Int) -> Bool {
            if remaining == 0 { return true }
            let key = "\(type)/\(remaining)"
            if let known = reachable[key] { return known }
            reachable[key] = false
            let result = nestableFields(of: type).contains { reaches($0.type.name, remaining - 1) }
            reachable[key] = result
            return result
        }
        for root in schema.queries where Self.isComposite(root.type.kind) && reaches(root.type.name, depth - 1) {
            var body = "__typename"
            var chain: [GraphQLSchemaModel.Field] = []
            var type = root.type.name
            for level in stride(from: depth - 1, to: 0, by: -1) {
                guard let next = nestableFields(of: type).first(where: { reaches($0.type.name, level - 1) }) else { return nil }
                chain.append(next)
                type = next.type.name
            }
            for field in chain.reversed() { body = "\(field.name) { \(body) }" }
            let arguments = root.requiredArguments.map { "\($0.name): \(literal(for: $0.type, name: $0.name))" }
            let argumentList = arguments.isEmpty ? "" : "(\(arguments.joined(separator: ", ")))"
            return "query RampartDepth { \(root.name)\(argumentList) { \(body) } }"
        }
        return nil
    }

    /// Object fields that take no required argument.
    func nestableFields(of type: String) -> [GraphQLSchemaModel.Field] {
        (schema.types[type]?.fields ?? []).filter { $0.type.kind == "OBJECT" && $0.requiredArguments.isEmpty && !$0.name.hasPrefix("__") }
    }

    func selection(for type: GraphQLSchemaModel.TypeRef, depth: Int, path: [String]) -> String {
        guard Self.isComposite(type.kind) else { return "" }
        guard type.kind == "OBJECT", let named = schema.types[type.name] else { return " { __typename }" }
        let usable = named.fields.filter { $0.requiredArguments.isEmpty && !$0.name.hasPrefix("__") }
        var parts = usable.filter { !Self.isComposite($0.type.kind) }.prefix(30).map(\.name)
        if depth + 1 < selectionDepth {
            for field in usable where field.type.kind == "OBJECT" && !path.contains(field.type.name) && field.type.name != type.name {
                let inner = selection(for: field.type, depth: depth + 1, path: path + [type.name])
                if inner != " { __typename }" { parts.append(field.name + inner) }
            }
        }
        return " { \(parts.isEmpty ? "__typename" : parts.joined(separator: " ")) }"
    }

    /// A value the type accepts, as a GraphQL literal.
    func literal(for type: GraphQLSchemaModel.TypeRef, name: String, depth: Int = 0) -> String {
        switch type {
        case .nonNull(let inner): return literal(for: inner, name: name, depth: depth)
        case .list(let inner): return "[\(literal(for: inner, name: name, depth: depth))]"
        case .named(let typeName, let kind):
            switch (kind, typeName) {
            case ("SCALAR", "Int"): return "1"
            case ("SCALAR", "Float"): return "1.0"
            case ("SCALAR", "Boolean"): return "true"
            case ("SCALAR", "ID"): return "\"1\""
            case ("ENUM", _): return schema.types[typeName]?.enumValues.first ?? "null"
            case ("INPUT_OBJECT", _):
                guard depth < 4, let input = schema.types[typeName] else { return "{}" }
                return "{" + input.inputFields.map { "\($0.name): \(literal(for: $0.type, name: $0.name, depth: depth + 1))" }.joined(separator: ", ") + "}"
            default: return Self.quoted(Self.stringValue(for: name))
            }
        }
    }

    /// A literal of a built-in scalar type (nested in lists as the type says); `{}` for anything else.
    static func placeholder(for type: GraphQLSchemaModel.TypeRef) -> String {
        switch type {
        case .nonNull(let inner): placeholder(for: inner)
        case .list(let inner): "[\(placeholder(for: inner))]"
        case .named(let name, _): ["Int": "1", "Float": "1.0", "Boolean": "true", "ID": "\"1\"", "String": quoted(stringValue(for: ""))][name] ?? "{}"
        }
    }

    /// A plausible string for an argument by its name: addresses, URLs and e-mails get values of their shape; the
    /// rest a unique word (names and titles often must be unique).
    public static func stringValue(for name: String) -> String {
        let lower = name.lowercased()
        if lower.contains("mail") { return "rampart-\(unique())@example.com" }
        // A closed port on loopback: a server that fetches it calls no one.
        if ["url", "uri", "link", "href", "callback", "webhook"].contains(where: lower.contains) { return "http://127.0.0.1:9/rampart" }
        // host:port: what splits a port off finds one, and a shell still runs whatever is appended.
        if lower == "ip" || ["host", "addr", "server"].contains(where: lower.contains) { return "127.0.0.1:9" }
        return "rampart-\(unique())"
    }

    static func unique() -> String { String(UUID().uuidString.prefix(8)).lowercased() }

    static func quoted(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8)
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }

    static func isComposite(_ kind: String) -> Bool { ["OBJECT", "INTERFACE", "UNION"].contains(kind) }

    func isList(_ type: GraphQLSchemaModel.TypeRef) -> Bool {
        switch type {
        case .list: true
        case .nonNull(let inner): isList(inner)
        case .named: false
        }
    }

    /// Whether `document` is well-formed GraphQL (GraphQLSwift's parser).
    public static func parses(_ document: String) -> Bool {
        (try? parse(source: document)) != nil
    }
}
