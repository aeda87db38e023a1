import Foundation

/// Reading a schema out of validation errors, for endpoints with introspection off (what clairvoyance does): unknown
/// field names draw "Did you mean …" suggestions, a field without a selection names its type, a missing argument
/// names itself and its type. The messages are graphql-js's, which most servers (graphql-core, GraphQLSwift,
/// Apollo, graphql-java's ports) copy word for word.
public enum SchemaRecovery {
    /// `Did you mean "user", "users" or "me"?` → the quoted names.
    public static func suggestions(in message: String) -> [String] {
        guard let range = message.range(of: "Did you mean") else { return [] }
        return quoted(in: String(message[range.upperBound...]))
    }

    /// `Cannot query field "usr" on type "Query".` → ("usr", "Query").
    public static func unknownField(in message: String) -> (field: String, type: String)? {
        guard message.hasPrefix("Cannot query field") else { return nil }
        let names = quoted(in: message.components(separatedBy: "Did you mean").first ?? message)
        return names.count >= 2 ? (names[0], names[1]) : nil
    }

    /// `Field "user" of type "User" must have a selection of subfields.` → ("user", "User"), an object type.
    public static func objectField(in message: String) -> (field: String, type: String)? {
        guard message.contains("must have a selection of subfields") else { return nil }
        let names = quoted(in: message)
        return names.count >= 2 ? (names[0], names[1]) : nil
    }

    /// `Field "user" argument "id" of type "Int!" is required, but it was not provided.` → ("user", "id", "Int!").
    public static func requiredArgument(in message: String) -> (field: String, argument: String, type: String)? {
        guard message.contains("is required, but it was not provided") else { return nil }
        let names = quoted(in: message)
        return names.count >= 3 ? (names[0], names[1], names[2]) : nil
    }

    /// `[Int!]!` as a type reference; named types are scalars when built in, objects otherwise.
    public static func typeRef(_ text: String, kind: String? = nil) -> GraphQLSchemaModel.TypeRef? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text.hasSuffix("!") { return typeRef(String(text.dropLast()), kind: kind).map { .nonNull($0) } }
        if text.hasPrefix("["), text.hasSuffix("]") { return typeRef(String(text.dropFirst().dropLast()), kind: kind).map { .list($0) } }
        guard !text.isEmpty, text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        return .named(text, kind: kind ?? (builtInScalars.contains(text) ? "SCALAR" : "OBJECT"))
    }

    static let builtInScalars: Set = ["String", "Int", "Float", "Boolean", "ID"]

    static func quoted(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(where: { $0 == "\"" || $0 == "“" }), let close = rest[rest.index(after: open)...].firstIndex(where: { $0 == "\"" || $0 == "”" }) {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    /// Field names worth guessing at the root of an API (suggestions then name the real ones close to them).
    public static let commonFields = [
        "user", "users", "me", "viewer", "account", "accounts", "profile", "post", "posts", "comment", "comments", "product", "products",
        "order", "orders", "item", "items", "search", "node", "nodes", "get", "list", "all", "find", "admin", "login", "file", "files",
        "message", "messages", "invoice", "invoices", "payment", "payments", "customer", "customers", "setting", "settings", "status",
        "health", "version", "config", "system", "paste", "pastes", "book", "books", "author", "authors", "article", "articles", "event",
        "events", "group", "groups", "team", "teams", "project", "projects", "task", "tasks", "ticket", "tickets", "note", "notes",
        "token", "tokens", "key", "keys", "session", "sessions", "role", "roles", "permission", "permissions", "category", "categories",
    ]

    /// Field names worth guessing on an object type.
    public static let commonObjectFields = [
        "id", "uuid", "name", "username", "email", "password", "title", "body", "text", "content", "description", "role", "roles",
        "token", "apiKey", "api_key", "secret", "createdAt", "updatedAt", "owner", "author", "user", "status", "type", "price", "total",
        "amount", "phone", "address", "firstName", "lastName", "surname", "dateOfBirth", "isAdmin", "admin", "active", "public", "url",
    ]
}

/// Recovers a schema by asking an endpoint questions; `ask` sends one query document and returns the error messages
/// of the answer. Bounded: a few dozen queries for a schema of ordinary size.
public struct SchemaRecoverer: Sendable {
    public typealias Ask = @Sendable (String) async -> [String]?
    let ask: Ask
    /// Root fields and types explored at most.
    var fieldLimit = 25, typeLimit = 8

    public init(ask: @escaping Ask) { self.ask = ask }

    public func recover() async -> GraphQLSchemaModel? {
        let (rootType, rootNames) = await fieldNames(selection: { "query { \($0) }" }, candidates: SchemaRecovery.commonFields)
        guard let rootType, !rootNames.isEmpty else { return nil }
        var types: [String: GraphQLSchemaModel.NamedType] = [:]
        var rootFields: [GraphQLSchemaModel.Field] = []
        for name in rootNames.prefix(fieldLimit) {
            guard let field = await describe(name, selection: { "query { \($0) }" }) else { continue }
            rootFields.append(field)
            guard field.type.kind == "OBJECT", types[field.type.name] == nil, types.count < typeLimit else { continue }
            let arguments = field.arguments.map { "\($0.name): \(GraphQLOperationBuilder.placeholder(for: $0.type))" }
            let call = name + (arguments.isEmpty ? "" : "(\(arguments.joined(separator: ", ")))")
            let (_, names) = await fieldNames(selection: { "query { \(call) { \($0) } }" }, candidates: SchemaRecovery.commonObjectFields)
            var fields: [GraphQLSchemaModel.Field] = []
            for inner in names.prefix(fieldLimit) {
                if let described = await describe(inner, selection: { "query { \(call) { \($0) } }" }) { fields.append(described) }
            }
            types[field.type.name] = .init(name: field.type.name, kind: "OBJECT", fields: fields, inputFields: [], enumValues: [])
        }
        types[rootType] = .init(name: rootType, kind: "OBJECT", fields: rootFields, inputFields: [], enumValues: [])
        for scalar in SchemaRecovery.builtInScalars { types[scalar] = .init(name: scalar, kind: "SCALAR", fields: [], inputFields: [], enumValues: []) }
        return GraphQLSchemaModel(queryType: rootType, types: types)
    }

    /// The real field names near the candidates: those accepted as asked and those suggested; the type's name too.
    func fieldNames(selection: (String) -> String, candidates: [String]) async -> (type: String?, names: [String]) {
        var found: [String] = [], typeName: String?
        for batch in stride(from: 0, to: candidates.count, by: 30).map({ Array(candidates[$0..<min($0 + 30, candidates.count)]) }) {
            guard let messages = await ask(selection(batch.joined(separator: " "))) else { continue }
            var unknown = Set<String>()
            for message in messages {
                if let (field, type) = SchemaRecovery.unknownField(in: message) { unknown.insert(field); typeName = typeName ?? type }
                for name in SchemaRecovery.suggestions(in: message) where !found.contains(name) { found.append(name) }
            }
            // Asked and not called unknown, where the server names unknown fields one by one (or answered outright):
            // real. Otherwise only names an error message mentions (their selection, their arguments) are.
            let oneByOne = messages.isEmpty || !unknown.isEmpty
            for name in batch where !unknown.contains(name) && !found.contains(name) && (oneByOne || messages.contains(where: { $0.contains("\"\(name)\"") })) {
                found.append(name)
            }
        }
        return (typeName, found)
    }

    /// A field's type and required arguments from the errors of selecting it bare and with `__typename` under it.
    func describe(_ name: String, selection: (String) -> String) async -> GraphQLSchemaModel.Field? {
        guard let messages = await ask(selection(name)) else { return nil }
        var arguments: [GraphQLSchemaModel.InputValue] = []
        var type: GraphQLSchemaModel.TypeRef = .named("String", kind: "SCALAR")
        for message in messages {
            if let (field, argument, text) = SchemaRecovery.requiredArgument(in: message), field == name,
               let ref = SchemaRecovery.typeRef(text, kind: SchemaRecovery.builtInScalars.contains(text.filter(\.isLetter)) ? "SCALAR" : "INPUT_OBJECT") {
                arguments.append(.init(name: argument, type: ref))
            }
            if let (field, typeName) = SchemaRecovery.objectField(in: message), field == name, let ref = SchemaRecovery.typeRef(typeName) { type = ref }
        }
        return GraphQLSchemaModel.Field(name: name, arguments: arguments, type: type)
    }
}
