import Foundation
import GraphQL

/// A GraphQL schema as a client sees it: the types an introspection query returns, whether it came from a running
/// API or from an SDL file (which is built with GraphQLSwift and introspected locally, so both read the same way).
public struct GraphQLSchemaModel: Sendable {
    /// A field's or argument's type: a named type, wrapped in lists and non-null markers.
    public indirect enum TypeRef: Sendable, Equatable, CustomStringConvertible {
        case named(String, kind: String)
        case list(TypeRef)
        case nonNull(TypeRef)

        /// The named type inside the wrappers.
        public var name: String {
            switch self {
            case .named(let name, _): name
            case .list(let inner), .nonNull(let inner): inner.name
            }
        }

        /// OBJECT, SCALAR, ENUM, INPUT_OBJECT, INTERFACE or UNION.
        public var kind: String {
            switch self {
            case .named(_, let kind): kind
            case .list(let inner), .nonNull(let inner): inner.kind
            }
        }

        public var isRequired: Bool { if case .nonNull = self { true } else { false } }

        /// As written in a variable definition: `[String!]!`.
        public var description: String {
            switch self {
            case .named(let name, _): name
            case .list(let inner): "[\(inner)]"
            case .nonNull(let inner): "\(inner)!"
            }
        }
    }

    public struct InputValue: Sendable {
        public var name: String
        public var type: TypeRef
    }

    public struct Field: Sendable {
        public var name: String
        public var arguments: [InputValue]
        public var type: TypeRef
        public var requiredArguments: [InputValue] { arguments.filter(\.type.isRequired) }
    }

    public struct NamedType: Sendable {
        public var name: String
        public var kind: String
        public var fields: [Field]
        public var inputFields: [InputValue]
        public var enumValues: [String]
    }

    public var queryType: String?
    public var mutationType: String?
    public var types: [String: NamedType]

    /// The root fields of queries and of mutations.
    public var queries: [Field] { queryType.flatMap { types[$0]?.fields } ?? [] }
    public var mutations: [Field] { mutationType.flatMap { types[$0]?.fields } ?? [] }

    /// The introspection query every GraphQL server answers unless introspection is turned off. Five levels of type
    /// wrappers cover `[[T!]!]!` and deeper than any real schema uses.
    public static let introspectionQuery = """
        query RampartIntrospection { __schema { queryType { name } mutationType { name } types { kind name \
        fields(includeDeprecated: true) { name args { name type { ...RampartType } } type { ...RampartType } } \
        inputFields { name type { ...RampartType } } enumValues(includeDeprecated: true) { name } } } }
        fragment RampartType on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } }
        """

    public init(queryType: String, mutationType: String? = nil, types: [String: NamedType]) {
        self.queryType = queryType
        self.mutationType = mutationType
        self.types = types
    }

    public struct InvalidSchema: Error, CustomStringConvertible {
        public var description: String
    }

    /// From an introspection answer: the whole `{"data": {"__schema": …}}` or just the `__schema` object's parent.
    public init(introspection data: Data) throws {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw InvalidSchema(description: "the introspection answer is not a JSON object") }
        let data = root["data"] as? [String: Any] ?? root
        guard let schema = data["__schema"] as? [String: Any] else {
            let message = ((root["errors"] as? [[String: Any]])?.first?["message"] as? String).map { ": \($0.prefix(200))" } ?? ""
            throw InvalidSchema(description: "the answer has no __schema (introspection refused?)\(message)")
        }
        queryType = (schema["queryType"] as? [String: Any])?["name"] as? String
        mutationType = (schema["mutationType"] as? [String: Any])?["name"] as? String
        var types: [String: NamedType] = [:]
        for type in schema["types"] as? [[String: Any]] ?? [] {
            guard let name = type["name"] as? String, let kind = type["kind"] as? String else { continue }
            let fields = (type["fields"] as? [[String: Any]] ?? []).compactMap { field -> Field? in
                guard let name = field["name"] as? String, let type = Self.typeRef(field["type"]) else { return nil }
                return Field(name: name, arguments: Self.inputValues(field["args"]), type: type)
            }
            let enumValues = (type["enumValues"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            types[name] = NamedType(name: name, kind: kind, fields: fields, inputFields: Self.inputValues(type["inputFields"]), enumValues: enumValues)
        }
        guard queryType.map({ types[$0] != nil }) == true else { throw InvalidSchema(description: "the schema has no query type") }
        self.types = types
    }

    /// From SDL (`schema.graphql`): built and validated by GraphQLSwift, then introspected in-process.
    public init(sdl: String) async throws {
        let schema: GraphQLSchema
        // The parser recurses once per level: a file nested thousands deep would exhaust the stack.
        guard GraphQLQueryShape.maximumNesting(sdl) <= GraphQLQueryShape.maximumParsedNesting else {
            throw InvalidSchema(description: "the SDL nests more than \(GraphQLQueryShape.maximumParsedNesting) levels")
        }
        do { schema = try buildSchema(source: sdl) } catch { throw InvalidSchema(description: Self.firstLine(of: error)) }
        let result = try await graphql(schema: schema, request: Self.introspectionQuery)
        if let error = result.errors.first { throw InvalidSchema(description: error.message) }
        try self.init(introspection: try JSONEncoder().encode(result))
    }

    static func firstLine(of error: any Error) -> String {
        String(describing: error).split(separator: "\n").first.map(String.init) ?? "invalid SDL"
    }

    static func inputValues(_ value: Any?) -> [InputValue] {
        (value as? [[String: Any]] ?? []).compactMap { argument in
            guard let name = argument["name"] as? String, let type = typeRef(argument["type"]) else { return nil }
            return InputValue(name: name, type: type)
        }
    }

    static func typeRef(_ value: Any?, depth: Int = 0) -> TypeRef? {
        guard depth < 10, let object = value as? [String: Any], let kind = object["kind"] as? String else { return nil }
        switch kind {
        case "NON_NULL": return typeRef(object["ofType"], depth: depth + 1).map(TypeRef.nonNull)
        case "LIST": return typeRef(object["ofType"], depth: depth + 1).map(TypeRef.list)
        default: return (object["name"] as? String).map { TypeRef.named($0, kind: kind) }
        }
    }
}
