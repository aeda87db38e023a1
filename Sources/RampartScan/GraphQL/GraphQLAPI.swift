import Foundation
import RampartCore
import RampartGraphQL
import RampartHTTP

/// The target's GraphQL endpoint: named with `--graphql PATH` or found at a common path, with its schema when
/// introspection answers (or an SDL file gives it).
public struct GraphQLAPI: Sendable {
    public var path: String
    public var schema: GraphQLSchemaModel?
    /// The schema was read out of validation errors (introspection is off), so it is partial.
    public var recovered = false
    var builder: GraphQLOperationBuilder? { schema.map(GraphQLOperationBuilder.init) }

    static let commonPaths = ["/graphql", "/api/graphql", "/v1/graphql", "/api/v1/graphql", "/graphql/v1", "/gql", "/query", "/graphiql", "/playground"]

    /// The first path that answers `{ __typename }` as GraphQL does, then its schema. Nothing is found when the
    /// target serves no GraphQL (one small POST per common path).
    /// An endpoint that answers only signed-in callers (behind a gateway, say) is probed and introspected as each of
    /// `sessions` too; schema recovery from errors asks as the first caller the endpoint answered.
    static func discover(base: URL, path: String?, schema: GraphQLSchemaModel?, engine: HTTPEngine, sessions: [Session] = []) async -> GraphQLAPI? {
        // Anonymously first, then as each identity.
        let callers: [@Sendable (OutboundRequest) async -> Exchange?] = [{ try? await engine.send($0) }] + sessions.map { session in { try? await session.send($0) } }
        for candidate in path.map({ [$0] }) ?? commonPaths {
            let url = URL(string: candidate, relativeTo: base)?.absoluteURL ?? base
            @Sendable func request(_ document: String) -> OutboundRequest {
                OutboundRequest(method: "POST", url: url, headers: [("Accept", "application/json")], json: ["query": document])
            }
            var answering: [@Sendable (OutboundRequest) async -> Exchange?] = []
            for send in callers {
                guard let answer = await send(request("query { __typename }")), let data = (answer.response.json as? [String: Any])?["data"] as? [String: Any],
                      data["__typename"] is String else { continue }
                answering.append(send)
            }
            guard let first = answering.first else { continue }
            if let schema { return GraphQLAPI(path: candidate, schema: schema) }
            for send in answering {
                if let schema = await send(request(GraphQLSchemaModel.introspectionQuery)).flatMap({ try? GraphQLSchemaModel(introspection: $0.response.body) }) {
                    return GraphQLAPI(path: candidate, schema: schema)
                }
            }
            // Introspection off: what validation errors give away (field suggestions, types, required arguments).
            let recovered = await SchemaRecoverer(ask: { document in
                guard let answer = await first(request(document)), let json = answer.response.json as? [String: Any] else { return nil }
                return (json["errors"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
            }).recover()
            return GraphQLAPI(path: candidate, schema: recovered, recovered: recovered != nil)
        }
        return nil
    }
}

/// One GraphQL answer the scan received, for the passive checks.
struct GraphQLAnswer: @unchecked Sendable {
    var operation: GraphQLOperation
    var identity: String?
    var exchange: Exchange

    /// The `data` of the answer when it has no `errors`.
    var data: [String: Any]? { Self.data(of: exchange) }

    static func data(of exchange: Exchange) -> [String: Any]? {
        guard let object = exchange.response.json as? [String: Any], errors(of: exchange).isEmpty else { return nil }
        return object["data"] as? [String: Any]
    }

    /// The answer's `errors[]`, empty when it has none (or is no GraphQL answer).
    static func errors(of exchange: Exchange) -> [[String: Any]] {
        (exchange.response.json as? [String: Any])?["errors"] as? [[String: Any]] ?? []
    }
}

extension ScanContext {
    /// The GraphQL endpoint's URL.
    var graphQLURL: URL? { graphQL.map { url($0.path) } }

    /// Where GraphQL findings point: the endpoint, and what was tried (`query getUser(username)`, `aliases`).
    func graphQLLocation(_ what: String, method: String = "POST") -> Location {
        Location(method: method, path: graphQL?.path, parameter: what)
    }

    /// Sends one document to the GraphQL endpoint as `identity` (anonymously by default); nil without an endpoint.
    func askGraphQL(_ document: String, as identity: String? = nil) async -> Exchange? {
        guard graphQL != nil else { return nil }
        return await send(graphQLRequest(document), as: identity)
    }

    /// A GraphQL request to the target's endpoint.
    func graphQLRequest(_ document: String, variables: [String: Any] = [:]) -> OutboundRequest {
        var body: [String: Any] = ["query": document]
        if !variables.isEmpty { body["variables"] = variables }
        return OutboundRequest(method: "POST", url: url(graphQL?.path ?? "/graphql"), headers: [("Accept", "application/json")], json: body)
    }

    /// Sends an operation and keeps the answer for the passive checks. An identity whose token travels as a GraphQL
    /// argument (`token_in: graphql`) has it put into every operation that takes that argument.
    @discardableResult
    func send(_ operation: GraphQLOperation, as identity: String?, variables: [String: Any] = [:]) async -> Exchange? {
        var operation = operation
        if let session = identity.flatMap(session), case .login(_, _, _, .graphQLArgument(let name)) = session.identity.authentication,
           operation.field.arguments.contains(where: { $0.name == name }), let token = try? await session.token(), let builder = graphQL?.builder {
            operation = builder.operation(operation.field, kind: operation.kind, variable: operation.variable?.argument, value: operation.variable?.value, given: [name: token])
        }
        guard let exchange = await send(graphQLRequest(operation.document, variables: variables), as: identity) else { return nil }
        rememberGraphQL(GraphQLAnswer(operation: operation, identity: identity, exchange: exchange))
        return exchange
    }
}

/// Reads what the schema offers: every query without arguments beyond what can be filled in, once anonymously and
/// once as each identity, so that passive checks see what each of them is given.
enum GraphQLExplorer {
    static func explore(_ scan: ScanContext) async {
        guard let builder = scan.graphQL?.builder else { return }
        let callers: [String?] = [nil] + scan.sessions.map(\.identity.name)
        for field in builder.schema.queries.prefix(40) where !field.name.hasPrefix("__") {
            let operation = builder.operation(field, kind: "query")
            for caller in callers { await scan.send(operation, as: caller) }
        }
    }
}
