/// An OpenAPI 3.1 draft of what the traffic showed: one operation per template and method, parameters with
/// inferred types, JSON bodies with schemas merged across samples, the statuses seen, and the authentication
/// schemes clients used. A draft to review, not a contract: it describes what happened, including mistakes.
public enum SpecEmitter {
    public static func document(_ discovery: Discovery, title: String = "Discovered API") -> OrderedJSON {
        var schemes: [(String, OrderedJSON)] = []
        let used = Set(discovery.operations.flatMap { $0.auth.keys })
        if used.contains(.bearer) { schemes.append(("bearerAuth", .object([("type", .string("http")), ("scheme", .string("bearer"))]))) }
        if used.contains(.basic) { schemes.append(("basicAuth", .object([("type", .string("http")), ("scheme", .string("basic"))]))) }
        if used.contains(.apiKey) { schemes.append(("apiKey", .object([("type", .string("apiKey")), ("in", .string("header")), ("name", .string("X-API-Key"))]))) }
        if used.contains(.cookie) { schemes.append(("cookieAuth", .object([("type", .string("apiKey")), ("in", .string("cookie")), ("name", .string("session"))]))) }

        var paths: [(String, OrderedJSON)] = []
        for template in orderedUnique(discovery.operations.map(\.template)) {
            let operations = discovery.operations.filter { $0.template == template }
            paths.append((template, .object(operations.map { ($0.method.lowercased(), operation($0)) })))
        }
        var root: [(String, OrderedJSON)] = [
            ("openapi", .string("3.1.0")),
            ("info", .object([("title", .string(title)), ("version", .string("0.0.0-discovered")),
                              ("description", .string("Drafted by `rampart discover` from \(discovery.requests) request(s). Review before use."))])),
        ]
        let servers = discovery.hosts.prefix(5).map { OrderedJSON.object([("url", .string("https://\($0.host)"))]) }
        if !servers.isEmpty { root.append(("servers", .array(servers))) }
        root.append(("paths", .object(paths)))
        if !schemes.isEmpty { root.append(("components", .object([("securitySchemes", .object(schemes))]))) }
        return .object(root)
    }

    private static func operation(_ observed: DiscoveredOperation) -> OrderedJSON {
        var fields: [(String, OrderedJSON)] = [
            ("operationId", .string(operationID(observed))),
            ("summary", .string("Seen \(observed.requests) time(s)")),
        ]
        var parameters: [OrderedJSON] = observed.pathParameters.map { parameter in
            .object([("name", .string(parameter.name)), ("in", .string("path")), ("required", .bool(true)),
                      ("schema", pathSchema(parameter.kinds))])
        }
        for (name, stats) in observed.stats.query.sorted(by: { $0.key < $1.key }) where !AuthScheme.apiKeyParameters.contains(name.lowercased()) {
            parameters.append(.object([("name", .string(name)), ("in", .string("query")), ("required", .bool(stats.count == observed.requests)),
                                       ("schema", stats.types.schema())]))
        }
        for (name, stats) in observed.stats.headers.sorted(by: { $0.key < $1.key }) {
            parameters.append(.object([("name", .string(name)), ("in", .string("header")), ("required", .bool(stats.count == observed.requests)),
                                       ("schema", .object([("type", .string("string"))]))]))
        }
        if !parameters.isEmpty { fields.append(("parameters", .array(parameters))) }
        if let body = observed.stats.requestBody {
            let type = observed.stats.requestContentTypes.first { $0.contains("json") } ?? "application/json"
            fields.append(("requestBody", .object([("required", .bool(true)), ("content", .object([(type, .object([("schema", body.schema())]))]))])))
        }
        var responses: [(String, OrderedJSON)] = []
        for status in observed.statuses.keys.sorted() {
            var response: [(String, OrderedJSON)] = [("description", .string("Seen \(observed.statuses[status]!) time(s)"))]
            if let schema = observed.stats.responses[status] {
                let type = observed.stats.responseContentTypes[status].flatMap { $0.contains("json") ? $0 : nil } ?? "application/json"
                response.append(("content", .object([(type, .object([("schema", schema.schema())]))])))
            }
            responses.append((String(status), .object(response)))
        }
        fields.append(("responses", .object(responses)))
        let schemes = observed.auth.keys.sorted().compactMap { scheme -> OrderedJSON? in
            switch scheme {
            case .none: .object([])
            case .bearer: .object([("bearerAuth", .array([]))])
            case .basic: .object([("basicAuth", .array([]))])
            case .apiKey: .object([("apiKey", .array([]))])
            case .cookie: .object([("cookieAuth", .array([]))])
            case .mtls, .unknown: nil
            }
        }
        if !schemes.isEmpty { fields.append(("security", .array(schemes))) }
        return .object(fields)
    }

    private static func pathSchema(_ kinds: Set<String>) -> OrderedJSON {
        if kinds == ["integer"] { return .object([("type", .string("integer"))]) }
        let formats = ["uuid": "uuid", "date": "date", "email": "email"]
        if kinds.count == 1, let format = formats[kinds.first!] { return .object([("type", .string("string")), ("format", .string(format))]) }
        return .object([("type", .string("string"))])
    }

    /// `GET /users/{userId}/orders` → `getUsersUserIdOrders`.
    private static func operationID(_ observed: DiscoveredOperation) -> String {
        let words = observed.template.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { $0.prefix(1).uppercased() + $0.dropFirst() }
        return observed.method.lowercased() + (words.isEmpty ? "Root" : words.joined())
    }

    private static func orderedUnique(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }
}
