import Foundation
import GraphQL
import NIOConcurrencyHelpers
import NIOHTTP1
import RampartCore
import RampartGraphQL
import RampartHTTP
import RampartLab
import RampartSpec
@testable import RampartScan
import RampartTestSupport
import Testing

/// A small GraphQL API executed by GraphQLSwift: users with API keys, posts, a "ping" resolver and a post-creating
/// mutation. `secure: false` has the classic flaws (anonymous API keys, a query pasted into SQL, a host pasted into a
/// shell, no depth limit, posts created for any authorId without login); `secure: true` fixes every one.
private final class GraphQLShop: Sendable {
    let secure: Bool
    let schema: GraphQLSchema
    /// Introspection refused (GraphQLSwift's NoSchemaIntrospectionCustomRule); suggestions stay as they are.
    let introspection: Bool

    /// What a request asked of the emulated shell and whether it carried credentials.
    final class Request: @unchecked Sendable {
        let signedIn: Bool
        var shellDelay = 0
        init(signedIn: Bool) { self.signedIn = signedIn }
    }

    static let users: [[String: any Sendable]] = [["id": 1, "name": "alice", "apiKey": "AK-alice-7f3e"], ["id": 2, "name": "bob", "apiKey": "AK-bob-91c2"]]
    /// The tokens `me(token:)` was asked with.
    let tokensSeen = NIOLockedValueBox<[String]>([])

    init(secure: Bool, introspection: Bool = true) throws {
        self.secure = secure
        self.introspection = introspection
        let users = Self.users
        let tokensSeen = self.tokensSeen
        var userType: GraphQLObjectType!
        let postType = try GraphQLObjectType(name: "Post", fields: {
            ["id": GraphQLField(type: GraphQLInt), "title": GraphQLField(type: GraphQLString),
             "author": GraphQLField(type: userType, resolve: { _, _, _, _ in users[0] })]
        })
        userType = try GraphQLObjectType(name: "User", fields: {
            ["id": GraphQLField(type: GraphQLInt), "name": GraphQLField(type: GraphQLString),
             "apiKey": GraphQLField(type: GraphQLString, resolve: { source, _, context, _ in
                 // The fixed API hands a key to its owner only.
                 guard !secure || (context as? Request)?.signedIn == true else { return nil }
                 return (source as? [String: any Sendable])?["apiKey"]
             }),
             "posts": GraphQLField(type: GraphQLList(postType), resolve: { _, _, _, _ in [["id": 1, "title": "hello"] as [String: any Sendable]] })]
        })
        let query = try GraphQLObjectType(name: "Query", fields: [
            "user": GraphQLField(type: userType, args: ["id": GraphQLArgument(type: GraphQLNonNull(GraphQLInt))], resolve: { _, args, _, _ in
                users.first { ($0["id"] as? Int) == args["id"].int }
            }),
            "search": GraphQLField(type: GraphQLList(userType), args: ["name": GraphQLArgument(type: GraphQLNonNull(GraphQLString))], resolve: { _, args, _, _ in
                let name = args["name"].string ?? ""
                // SELECT … WHERE name = '<name>': an odd number of quotes is what SQLite calls an unrecognized token.
                if !secure, name.filter({ $0 == "'" }).count % 2 == 1 { throw GraphQLError(message: "sqlite3.OperationalError: unrecognized token: \"'\(name)'\"") }
                return users.filter { ($0["name"] as? String) == name }
            }),
            "ping": GraphQLField(type: GraphQLString, args: ["host": GraphQLArgument(type: GraphQLNonNull(GraphQLString))], resolve: { _, args, context, _ in
                let host = args["host"].string ?? ""
                // `sh -c "nc -z <host>"`: whatever follows a `;` runs too.
                if !secure, let range = host.range(of: #"; sleep (\d+)"#, options: .regularExpression) {
                    (context as? Request)?.shellDelay = Int(host[range].filter(\.isNumber)) ?? 0
                }
                return "1"
            }),
            "posts": GraphQLField(type: GraphQLList(postType), resolve: { _, _, _, _ in [["id": 1, "title": "hello"] as [String: any Sendable]] }),
            // The caller's own profile, for the token its login gave (a token passed as an argument, not a header).
            "me": GraphQLField(type: userType, args: ["token": GraphQLArgument(type: GraphQLNonNull(GraphQLString))], resolve: { _, args, _, _ in
                let token = args["token"].string ?? ""
                tokensSeen.withLockedValue { $0.append(token) }
                return token == "shop-token-alice" ? users[0] : nil
            }),
        ])
        let input = try GraphQLInputObjectType(name: "PostInput", fields: ["title": InputObjectField(type: GraphQLNonNull(GraphQLString)),
                                                                            "authorId": InputObjectField(type: GraphQLNonNull(GraphQLInt))])
        let mutation = try GraphQLObjectType(name: "Mutation", fields: [
            "createPost": GraphQLField(type: postType, args: ["input": GraphQLArgument(type: GraphQLNonNull(input))], resolve: { _, args, context, _ in
                if secure, (context as? Request)?.signedIn != true { throw GraphQLError(message: "sign in first") }
                return ["id": 2, "title": args["input"]["title"].string ?? ""] as [String: any Sendable]
            }),
        ])
        schema = try GraphQLSchema(query: query, mutation: mutation)
    }

    /// The answer to a POST of `{"query", "variables"}`; the fixed API refuses queries nested more than 5 levels.
    func answer(_ head: HTTPRequestHead, _ body: String) async -> Canned {
        let json = [("Content-Type", "application/json")]
        if head.method == .POST, head.uri == "/login" { return Canned(headers: json, body: #"{"token": "shop-token-alice"}"#) }
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard path == "/api/graphql" else { return Canned(status: .notFound, body: "not here") }
        // The careless server also takes GET (and serves its IDE there), form posts and batches; the fixed one JSON POSTs only.
        var requests: [[String: Any]] = []
        switch (head.method, head.headers.first(name: "Content-Type") ?? "") {
        case (.GET, _) where !secure:
            if head.headers.first(name: "Accept")?.contains("text/html") == true {
                return Canned(headers: [("Content-Type", "text/html")], body: "<html><title>GraphiQL</title><div id=graphiql></div></html>")
            }
            requests = [["query": URLComponents(string: head.uri)?.queryItems?.first { $0.name == "query" }?.value ?? ""]]
        case (.POST, let type) where type.contains("x-www-form-urlencoded") && !secure:
            requests = [["query": URLComponents(string: "?" + body)?.queryItems?.first { $0.name == "query" }?.value ?? ""]]
        case (.POST, let type) where type.contains("json"):
            let sent = try? JSONSerialization.jsonObject(with: Data(body.utf8))
            if let batch = sent as? [[String: Any]], !secure { requests = batch } else if let one = sent as? [String: Any] { requests = [one] }
        default: return Canned(status: .methodNotAllowed, headers: json, body: #"{"errors":[{"message":"POST application/json only"}]}"#)
        }
        guard !requests.isEmpty else { return Canned(status: .badRequest, headers: json, body: #"{"errors":[{"message":"one operation per request"}]}"#) }
        var answers: [String] = []
        var delay = 0
        for sent in requests {
            guard let query = sent["query"] as? String else { return Canned(status: .badRequest, body: "{}") }
            if secure, Self.depth(of: query) > 6 || query.filter({ $0 == ":" }).count > 15 || query.filter({ $0 == "@" }).count > 3 || query.count > 2_000 {
                return Canned(status: .badRequest, headers: json, body: #"{"errors":[{"message":"query exceeds the server's limits"}]}"#)
            }
            let variables = (sent["variables"] as? [String: Any] ?? [:]).mapValues { Map.string("\($0)") }
            let request = Request(signedIn: head.headers.first(name: "Authorization") == "Bearer shop-token")
            let rules = introspection ? specifiedRules : specifiedRules + [NoSchemaIntrospectionCustomRule]
            guard let result = try? await graphql(schema: schema, request: query, context: request, variableValues: variables, validationRules: rules),
                  var answer = (try? JSONSerialization.jsonObject(with: GraphQLJSONEncoder().encode(result))) as? [String: Any] else { return Canned(status: .internalServerError, body: "{}") }
            if secure, var errors = answer["errors"] as? [[String: Any]] {
                // Suggestions stripped, as GraphQL Armor does.
                for index in errors.indices { errors[index]["message"] = (errors[index]["message"] as? String)?.components(separatedBy: " Did you mean").first }
                answer["errors"] = errors
            } else if !secure {
                answer["extensions"] = ["tracing": ["version": 1, "duration": 120_000]]
                if var errors = answer["errors"] as? [[String: Any]] {
                    for index in errors.indices { errors[index]["extensions"] = ["exception": ["stacktrace": ["Traceback (most recent call last):", "  File \"app.py\", line 9"]]] }
                    answer["errors"] = errors
                }
            }
            answers.append(String(decoding: try! JSONSerialization.data(withJSONObject: answer), as: UTF8.self))
            delay += request.shellDelay
        }
        // The emulated shell's `sleep`, without holding a thread.
        return Canned(headers: json, body: requests.count == 1 && !body.hasPrefix("[") ? answers[0] : "[\(answers.joined(separator: ","))]", delay: .seconds(Int64(delay)))
    }

    /// Brace nesting: the depth of the deepest selection.
    static func depth(of query: String) -> Int {
        var depth = 0, deepest = 0
        for character in query {
            if character == "{" { depth += 1; deepest = max(deepest, depth) }
            if character == "}" { depth -= 1 }
        }
        return deepest
    }
}

private func scanShop(_ shop: GraphQLShop, only rules: Set<String>, graphQLPath: String? = nil, configuration: String = "{}") async throws -> [Finding] {
    let server = try await TestServer.start(answering: shop.answer)
    var options = ScanOptions()
    options.onlyRules = rules
    options.graphQLPath = graphQLPath
    let parsed = try ScanConfiguration.parse(SpecDocument(text: configuration, file: "rampart.yml").root)
    let result = try await ScanRunner(target: server.httpURL, description: nil, configuration: parsed,
                                      engineOptions: EngineOptions(requestsPerSecond: nil, concurrency: 4), options: options).run()
    await server.stop()
    return result.findings
}

private func scanShop(secure: Bool, only rules: Set<String>, graphQLPath: String? = nil) async throws -> [Finding] {
    try await scanShop(try GraphQLShop(secure: secure), only: rules, graphQLPath: graphQLPath)
}

@Suite struct GraphQLScanTests {
    @Test func theSchemaFromIntrospectionAndFromSDLIsTheSameAndItsOperationsParse() async throws {
        let shop = try GraphQLShop(secure: false)
        let introspected = try await graphql(schema: shop.schema, request: GraphQLSchemaModel.introspectionQuery)
        let model = try GraphQLSchemaModel(introspection: try JSONEncoder().encode(introspected))
        #expect(model.queries.map(\.name).sorted() == ["me", "ping", "posts", "search", "user"])
        #expect(model.mutations.map(\.name) == ["createPost"])
        let builder = GraphQLOperationBuilder(schema: model)
        let injectable = builder.stringArgumentOperations(kind: "query")
        #expect(injectable.map(\.label).sorted() == ["query me(token)", "query ping(host)", "query search(name)"])
        for operation in injectable + model.mutations.map({ builder.operation($0, kind: "mutation") }) {
            #expect(GraphQLOperationBuilder.parses(operation.document), "\(operation.document)")
        }
        let nested = try #require(builder.nestedQuery(depth: 10))
        #expect(GraphQLOperationBuilder.parses(nested) && GraphQLShop.depth(of: nested) == 11, "\(nested)")

        let sdl = """
            type Query { user(id: Int!): User  search(name: String!): [User] }
            type User { id: Int  name: String  friends: [User] }
            """
        let fromSDL = try await GraphQLSchemaModel(sdl: sdl)
        #expect(fromSDL.queries.map(\.name).sorted() == ["search", "user"])
        #expect(fromSDL.types["User"]?.fields.first { $0.name == "friends" }?.type.description == "[User]")
        await #expect { try await GraphQLSchemaModel(sdl: "type Query { user(: Int) }") } throws: { "\($0)".contains("Syntax Error") }
        let hostile = "type Query { a(x: I = " + String(repeating: "[", count: 100_000) + ") }"
        await #expect { try await GraphQLSchemaModel(sdl: hostile) } throws: { "\($0)" == "the SDL nests more than 128 levels" }
        #expect(throws: GraphQLSchemaModel.InvalidSchema.self) { try GraphQLSchemaModel(introspection: Data(#"{"errors":[{"message":"introspection is off"}]}"#.utf8)) }
    }

    @Test func injectionsThroughGraphQLArgumentsAreFoundAndParameterisedResolversAreNot() async throws {
        let rules: Set = ["sql-injection", "command-injection"]
        let found = try await scanShop(secure: false, only: rules)
        let sql = try #require(found.first { $0.ruleId == "sql-injection" })
        #expect(sql.location.parameter == "query search(name)" && sql.location.path == "/api/graphql")
        #expect(sql.evidence?.curl?.contains("/api/graphql") == true)
        #expect(found.first { $0.ruleId == "command-injection" }?.location.parameter == "query ping(host)")
        #expect(try await scanShop(secure: true, only: rules).isEmpty)
    }

    @Test func anonymousKeysUnlimitedDepthAndAnonymousWritesAreFoundOnlyWhereTheyAre() async throws {
        let rules: Set = ["sensitive-data-exposure", "graphql-depth-unlimited", "anonymous-write-as-any-user"]
        let found = try await scanShop(secure: false, only: rules, graphQLPath: "/api/graphql")
        #expect(Set(found.map(\.ruleId)) == rules, "\(found.map(\.message))")
        #expect(found.contains { $0.ruleId == "sensitive-data-exposure" && $0.message.contains("user.apiKey to anyone") }, "\(found.map(\.message))")
        #expect(found.first { $0.ruleId == "anonymous-write-as-any-user" }?.location.parameter == "mutation createPost")
        let fixed = try await scanShop(secure: true, only: rules, graphQLPath: "/api/graphql")
        #expect(fixed.isEmpty, "\(fixed.map(\.message))")
    }

    @Test func aTokenTheLoginGivesIsPassedAsTheArgumentThatTakesIt() async throws {
        let shop = try GraphQLShop(secure: true)
        let configuration = """
            scan:
              identities:
                alice: {login: {path: /login, json: {user: alice}, token: /token, token_in: graphql, token_name: token}}
            """
        _ = try await scanShop(shop, only: ["sensitive-data-exposure"], graphQLPath: "/api/graphql", configuration: configuration)
        let seen = shop.tokensSeen.withLockedValue { $0 }
        #expect(seen.contains("shop-token-alice"), "alice's queries carry her token: \(seen)")
        #expect(seen.contains { $0.hasPrefix("rampart-") }, "anonymous ones a made-up value")
    }

    @Test func theGraphQLCopChecksFindWhatACarelessEndpointAcceptsAndNothingOnAHardenedOne() async throws {
        let rules: Set = ["graphql-alias-overloading", "graphql-batching", "graphql-field-suggestions", "graphql-csrf", "graphql-ide-exposed",
                          "graphql-directive-overloading", "graphql-debug-output", "graphql-field-duplication", "graphql-introspection-depth"]
        let found = try await scanShop(secure: false, only: rules, graphQLPath: "/api/graphql")
        #expect(Set(found.map(\.ruleId)) == rules, "\(found.map { "\($0.ruleId): \($0.message)" })")
        #expect(found.first { $0.ruleId == "graphql-csrf" }?.severity == .high, "mutations over GET too")
        let hardened = try await scanShop(secure: true, only: rules, graphQLPath: "/api/graphql")
        #expect(hardened.isEmpty, "\(hardened.map { "\($0.ruleId): \($0.message)" })")
    }

    @Test func withIntrospectionOffTheSchemaIsReadFromErrorsAndStillScanned() async throws {
        let shop = try GraphQLShop(secure: false, introspection: false)
        let server = try await TestServer.start(answering: shop.answer)
        let engine = try HTTPEngine(scope: Scope([server.httpURL]), options: EngineOptions(requestsPerSecond: nil))
        let api = await GraphQLAPI.discover(base: server.httpURL, path: nil, schema: nil, engine: engine)
        await engine.shutdown()
        #expect(api?.path == "/api/graphql" && api?.recovered == true)
        let search = api?.schema?.queries.first { $0.name == "search" }
        #expect(search?.arguments.map { "\($0.name): \($0.type)" } == ["name: String!"], "from 'argument \"name\" of type \"String!\" is required'")
        #expect(api?.schema?.queries.first { $0.name == "user" }?.type.name == "User", "from 'of type \"User\" must have a selection'")
        #expect(api?.schema?.types["User"]?.fields.map(\.name).contains("apiKey") == true, "suggested or guessed under User")
        #expect(SchemaRecovery.suggestions(in: #"Cannot query field "usr" on type "Query". Did you mean "user", "users" or "me"?"#) == ["user", "users", "me"])

        let found = try await scanShop(shop, only: ["sql-injection", "sensitive-data-exposure"])
        await server.stop()
        #expect(found.contains { $0.ruleId == "sql-injection" && $0.location.parameter == "query search(name)" }, "\(found.map(\.message))")
        #expect(found.contains { $0.ruleId == "sensitive-data-exposure" }, "\(found.map(\.message))")
    }
}

/// The gateway counts tokens on the bytes (parsing without locations is a third faster); the count must be the
/// lexer's own, which GraphQLSwift links from the document's start when it keeps locations.
@Test(arguments: [
    #"query Q($id: ID! = "a, b # c") { account(id: $id) { ...F owner @include(if: true) { id } } } fragment F on Account { id nickname }"#,
    "{ a: f(x: -1.5e+10, y: [1, 2], z: {k: \"\\\"q\\\"\"}) b:g # comment, with tokens { }\n c }",
    #"query { f(text: """block "" string with "quotes" and \""" inside""") id...F } fragment F on T { x }"#,
    "mutation M { create(input: {n: null, b: false, e: ENUM_VALUE}) { id } }",
])
func tokensAreCountedAsTheLexerCountsThem(_ document: String) throws {
    let parsed = try parse(source: document)
    var lexed = 0
    var token = parsed.loc?.startToken
    while let current = token, current.kind != .eof {
        if current.kind != .sof && current.kind != .comment { lexed += 1 }
        token = current.next
    }
    #expect(lexed > 10)
    #expect(GraphQLQueryShape.countTokens(document) == lexed)
}

@Test func queryShapesMeasureDepthAliasesDirectivesCostAndFragments() throws {
    let shape = try GraphQLQueryShape(document: """
        query Deep($show: Boolean!) { a: accounts { ...Owned owner @include(if: $show) { id } } me { id } }
        fragment Owned on Account { id owner { accounts { id } } }
        """)
    #expect(shape.operationType == "query" && shape.operationName == "Deep" && shape.rootFields == ["accounts", "me"])
    #expect(shape.depth == 4 && shape.aliases == 1 && shape.directives == 1 && !shape.introspection)
    #expect(shape.fieldPaths.contains("accounts.owner.accounts.id"))
    #expect(shape.label == "query Deep")
    #expect(try GraphQLQueryShape(document: "{ __schema { types { name } } }").introspection)
    #expect(throws: GraphQLQueryShape.Invalid.self) { try GraphQLQueryShape(document: "query A { a } query B { b }") }
    #expect(try GraphQLQueryShape(document: "query A { a } query B { b }", operationName: "B").rootFields == ["b"])
    // Fragments that spread each other are followed once.
    #expect(try GraphQLQueryShape(document: "{ ...A } fragment A on Q { a ...B } fragment B on Q { b ...A }").rootFields == ["a", "b"])
}

/// Identities that sign in through a GraphQL mutation (the token read out of `data`), on the lab's GraphQL API without
/// its REST description: the scan finds the endpoint, creates accounts as each user through `openAccount`, and catches
/// `account(id:)` handing one user's account to the other.
@Test func identitiesSignInThroughAGraphQLMutationAndObjectAccessIsTestedWithThem() async throws {
    let lab = try await Lab(secure: false).start()
    func identity(_ name: String) -> String {
        """
            \(name):
              role: user
              signup: {method: POST, path: /api/v2/auth/signup, json: {email: \(name)@gql.lab, password: \(name)-gql-password, name: \(name)}}
              login:
                method: POST
                path: /graphql
                json: {query: "mutation { signIn(email: \\"\(name)@gql.lab\\", password: \\"\(name)-gql-password\\") }"}
                token: /data/signIn
        """
    }
    let configuration = try ScanConfiguration.parse(SpecDocument(text: "scan:\n  identities:\n" + identity("ann") + "\n" + identity("ben") + "\n", file: "rampart.yml").root)
    var options = ScanOptions()
    options.onlyRules = ["bola-read", "bola-write"]
    options.graphQLPath = "/graphql"
    let result = try await ScanRunner(target: lab.url, description: nil, configuration: configuration,
                                      engineOptions: EngineOptions(requestsPerSecond: nil, concurrency: 4), options: options).run()
    await lab.stop()
    let graphQL = result.findings.filter { $0.location.path == "/graphql" }
    #expect(graphQL.contains { $0.ruleId == "bola-read" && $0.location.parameter == "query account(id)" && $0.message.hasPrefix("ben read ann's Account") },
            "\(result.findings.map { "\($0.ruleId) \($0.location.display): \($0.message)" })")
    #expect(graphQL.contains { $0.ruleId == "bola-write" && $0.location.parameter == "mutation renameAccount(id)" })
}
