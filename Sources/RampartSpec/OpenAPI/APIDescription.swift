import RampartCore

public enum SpecVersion: String, Sendable {
    case swagger2 = "2.0"
    case openAPI30 = "3.0"
    case openAPI31 = "3.1"
}

/// A typed view over a loaded document: Swagger 2.0 and OpenAPI 3.x normalised
/// into one shape, every part keeping its cursor (file + pointer + line) so
/// findings point at the place that causes them.
public final class APIDescription {
    public let document: SpecDocument
    public let version: SpecVersion
    public let declaredVersion: String
    public let info: Cursor?
    public let servers: [Server]
    public let securitySchemes: [SecurityScheme]
    public let globalSecurity: SecurityRequirement?
    public let operations: [Operation]

    public struct Server {
        public var url: String
        public var cursor: Cursor
        public var variables: [(name: String, cursor: Cursor)]
    }

    public struct SecurityRequirement {
        /// Each alternative lists scheme names with their scopes; an empty alternative allows anonymous access.
        public var alternatives: [[(scheme: String, scopes: [String])]]
        public var cursor: Cursor

        /// True when the requirement names no scheme at all or offers `{}` as one choice.
        public var allowsAnonymous: Bool { alternatives.isEmpty || alternatives.contains { $0.isEmpty } }
    }

    public struct OAuthFlow {
        /// `implicit`, `password`, `clientCredentials`, `authorizationCode` (2.0 names are mapped).
        public var kind: String
        public var cursor: Cursor
        public var scopes: [String]
    }

    public struct SecurityScheme {
        public var name: String
        public var cursor: Cursor
        /// `http`, `apiKey`, `oauth2`, `openIdConnect`, `mutualTLS` (2.0 `basic` becomes `http` + `basic`).
        public var type: String
        public var scheme: String?
        public var bearerFormat: String?
        public var location: String?
        public var flows: [OAuthFlow]
    }

    public struct MediaType {
        public var name: String
        public var cursor: Cursor
        public var schema: Cursor?
    }

    public struct Parameter {
        public var name: String
        /// `path`, `query`, `header`, `cookie` or (2.0) `formData`.
        public var location: String
        public var required: Bool
        public var cursor: Cursor
        /// In 2.0 a non-body parameter is its own schema.
        public var schema: Cursor?
    }

    public struct RequestBody {
        public var cursor: Cursor
        public var content: [MediaType]
    }

    public struct Response {
        public var status: String
        public var cursor: Cursor
        public var content: [MediaType]
        public var headers: [String]
    }

    public struct Operation {
        public var method: String
        public var path: String
        public var cursor: Cursor
        public var operationId: String?
        public var parameters: [Parameter]
        public var requestBody: RequestBody?
        public var responses: [Response]
        public var responsesCursor: Cursor?
        /// The operation's own `security`, if it has one.
        public var ownSecurity: SecurityRequirement?
        /// What applies: its own, else the global one.
        public var security: SecurityRequirement?
        public var deprecated: Bool
        /// Login, sign-up, token and password-reset endpoints: anonymous by nature, and where attackers guess passwords.
        public var isAuthenticationEndpoint: Bool

        /// Whether a path names an authentication endpoint; computed once per operation.
        public static func isAuthenticationPath(_ path: String) -> Bool {
            let words = ["login", "logon", "signin", "signup", "register", "token", "oauth", "password", "forgot", "otp", "session"]
            return path.lowercased().split(separator: "/").contains { segment in
                let name = segment.filter { $0.isLetter || $0.isNumber }
                // "auth" only as a whole segment: /auth/… yes, /authors no.
                return name == "auth" || name == "authenticate" || words.contains { name.firstRange(of: $0) != nil }
            }
        }

        public var isWrite: Bool { ["POST", "PUT", "PATCH", "DELETE"].contains(method) }
        public var isAuthenticated: Bool { !(security?.allowsAnonymous ?? true) }
        public var label: String { "\(method) \(path)" }

        public func response(_ status: String) -> Response? { responses.first { $0.status == status } }
        public var statuses: [String] { responses.map(\.status) }
    }

    public static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// Builds the view. A document that is not an OpenAPI/Swagger description is an input error.
    public init(_ document: SpecDocument) throws(SpecError) {
        self.document = document
        let root = document.root
        guard root.node.isObject else {
            throw SpecError(file: document.rootFile, line: Int(root.node.line), column: Int(root.node.column),
                            problem: "not an OpenAPI description: the document is not an object")
        }
        if let swagger = root.node["swagger"]?.scalarText {
            guard swagger.hasPrefix("2.") || swagger == "2" else {
                throw Self.error(document, root["swagger"]!, "unsupported Swagger version \(swagger) (2.0 is supported)")
            }
            version = .swagger2
            declaredVersion = swagger
        } else if let openapi = root.node["openapi"]?.scalarText {
            if openapi.hasPrefix("3.0") { version = .openAPI30 }
            else if openapi.hasPrefix("3.1") || openapi.hasPrefix("3.2") { version = .openAPI31 }
            else { throw Self.error(document, root["openapi"]!, "unsupported OpenAPI version \(openapi) (2.0, 3.0 and 3.1 are supported)") }
            declaredVersion = openapi
        } else {
            throw SpecError(file: document.rootFile, line: Int(root.node.line), column: Int(root.node.column),
                            problem: "not an OpenAPI description: no 'openapi' or 'swagger' field at the top level")
        }
        if let paths = root["paths"], !paths.node.isObject {
            throw Self.error(document, paths, "'paths' must be an object")
        }
        info = root["info"]
        let builder = Builder(document: document, version: version)
        servers = builder.servers()
        securitySchemes = builder.securitySchemes()
        globalSecurity = root["security"].flatMap(builder.requirement)
        operations = builder.operations(globalSecurity: globalSecurity)
    }

    private static func error(_ document: SpecDocument, _ cursor: Cursor, _ problem: String) -> SpecError {
        SpecError(file: cursor.file, line: Int(cursor.node.line), column: Int(cursor.node.column), pointer: cursor.pointer, problem: problem)
    }

    public func scheme(named name: String) -> SecurityScheme? { securitySchemes.first { $0.name == name } }

    /// Every `security` list in the description: the global one first, then each operation's own.
    public var securityRequirements: [SecurityRequirement] {
        (globalSecurity.map { [$0] } ?? []) + operations.compactMap(\.ownSecurity)
    }

    /// The shared inventory of this description.
    public var inventory: Inventory {
        Inventory(
            title: info?.node["title"]?.scalarText ?? "",
            version: info?.node["version"]?.scalarText ?? "",
            servers: servers.map(\.url),
            operations: operations.map { op in
                Inventory.Operation(
                    method: op.method, path: op.path, operationId: op.operationId,
                    parameters: op.parameters.map {
                        Inventory.Parameter(name: $0.name, location: $0.location, required: $0.required,
                                            type: $0.schema.flatMap { document.resolve($0) }?.node["type"]?.strings.first)
                    },
                    requestContentTypes: op.requestBody?.content.map(\.name) ?? [],
                    responseStatuses: op.statuses,
                    security: op.security?.alternatives.map { $0.map(\.scheme) } ?? [[]],
                    deprecated: op.deprecated)
            })
    }

    // MARK: - Schemas reachable from inputs and outputs

    /// Every schema definition that requests can carry (parameters and bodies), each once.
    public private(set) lazy var inputSchemas: [Cursor] = {
        var walker = SchemaWalker(document: document)
        for op in operations {
            for parameter in op.parameters { if let schema = parameter.schema { walker.walk(schema, label: parameter.name) } }
            for media in op.requestBody?.content ?? [] { if let schema = media.schema { walker.walk(schema, label: "\(op.label) body") } }
        }
        labels.merge(walker.labels) { first, _ in first }
        return walker.visited
    }()

    /// Every schema definition request bodies can carry (not parameters), each once.
    public private(set) lazy var requestBodySchemas: [Cursor] = {
        var walker = SchemaWalker(document: document)
        for op in operations {
            for media in op.requestBody?.content ?? [] { if let schema = media.schema { walker.walk(schema, label: "\(op.label) body") } }
        }
        labels.merge(walker.labels) { first, _ in first }
        return walker.visited
    }()

    /// Every schema definition that responses can carry, each once.
    public private(set) lazy var outputSchemas: [Cursor] = {
        var walker = SchemaWalker(document: document)
        for op in operations {
            for response in op.responses {
                for media in response.content { if let schema = media.schema { walker.walk(schema, label: "\(op.label) \(response.status)") } }
            }
        }
        labels.merge(walker.labels) { first, _ in first }
        return walker.visited
    }()

    private var labels: [ObjectIdentifier: String] = [:]

    /// The name a finding uses for a schema: its component name, or the parameter/property it was reached as.
    public func label(of schema: Cursor) -> String { labels[ObjectIdentifier(schema.node)] ?? schema.pointer }

    /// Property names reachable from one operation's successful responses.
    public func responsePropertyNames(of operation: Operation) -> Set<String> {
        var walker = SchemaWalker(document: document)
        for response in operation.responses where response.status.hasPrefix("2") {
            for media in response.content { if let schema = media.schema { walker.walk(schema, label: "") } }
        }
        return Set(walker.visited.flatMap { $0.node["properties"]?.entries.map(\.key) ?? [] })
    }
}
