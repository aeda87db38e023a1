import Foundation
import GraphQL
import Hummingbird
import RampartGraphQL

/// The bank's GraphQL API at `/graphql`, executed by GraphQLSwift over the same database and identities as the REST
/// API. Each deliberate flaw is marked `Flaw (GraphQL, APIn)` and listed in docs/lab.md; the secure lab fixes every
/// one: owner checks, roles, parameterised SQL, no shell, allow-listed fetches, depth/alias/token/directive limits,
/// no batching, JSON POSTs only, no IDE, suggestions and debug output stripped, introspection for admins only.
struct LabGraphQL: Sendable {
    let routes: LabRoutes
    let schema: GraphQLSchema
    var secure: Bool { routes.secure }
    var state: LabState { routes.state }

    /// The secure lab's limits (the vulnerable one has none).
    static let limits = (depth: 6, aliases: 10, directives: 5, tokens: 400)

    /// Who asks, for the resolvers.
    final class Caller: Sendable {
        let user: Row?
        init(user: Row?) { self.user = user }
        var id: Int64? { user?["id"]?.integer }
        var isAdmin: Bool { user?["role"]?.text == "admin" }
    }

    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    init(routes: LabRoutes) throws {
        self.routes = routes
        schema = try Self.makeSchema(routes)
    }

    func register(on router: Router<BasicRequestContext>) {
        router.post("/graphql") { request, _ in await answer(request, get: false) }
        router.get("/graphql") { request, _ in await answer(request, get: true) }
    }

    // MARK: Transport

    func answer(_ request: Request, get: Bool) async -> Response {
        let caller = Caller(user: routes.user(request))
        let type = request.headers[.contentType]?.lowercased() ?? ""
        let operations: [[String: Any]]
        var batched = false
        if get {
            guard !secure else { return Self.errors(.methodNotAllowed, ["GraphQL requests are POST application/json"]) }
            // Flaw (GraphQL, API8): GraphiQL is served to anyone, and GET runs operations (CSRF).
            if request.headers[.accept]?.contains("text/html") == true { return LabJSON.text(.ok, Self.graphiQL, type: "text/html; charset=utf-8") }
            let items = URLComponents(string: request.uri.description)?.queryItems ?? []
            operations = [["query": items.first { $0.name == "query" }?.value ?? "", "operationName": items.first { $0.name == "operationName" }?.value as Any]]
        } else {
            guard let body = try? await request.body.collect(upTo: secure ? 64 * 1024 : 4 * 1024 * 1024) else {
                return Self.errors(.contentTooLarge, ["request body too large"])
            }
            let data = Data(buffer: body)
            if type.hasPrefix("application/json") {
                let parsed = try? JSONSerialization.jsonObject(with: data)
                if let batch = parsed as? [[String: Any]] {
                    // Flaw (GraphQL, API4): a batch of any size runs in one request.
                    guard !secure else { return Self.errors(.badRequest, ["batched operations are not accepted"]) }
                    operations = batch
                    batched = true
                } else if let one = parsed as? [String: Any] {
                    operations = [one]
                } else {
                    return Self.errors(.badRequest, ["the body is not a GraphQL request"])
                }
            } else if type.hasPrefix("application/x-www-form-urlencoded"), !secure {
                // Flaw (GraphQL, API8): form posts run operations (a foreign page can send one with the user's cookies).
                let items = URLComponents(string: "?" + String(decoding: data, as: UTF8.self))?.queryItems ?? []
                operations = [["query": items.first { $0.name == "query" }?.value ?? ""]]
            } else {
                return Self.errors(.unsupportedMediaType, ["GraphQL requests are POST application/json"])
            }
        }
        var answers: [Any] = []
        for operation in operations.prefix(1_000) {
            answers.append(await execute(operation, caller: caller))
        }
        return LabJSON.response(.ok, batched ? answers : answers[0])
    }

    /// Runs one operation and returns its answer as JSON.
    func execute(_ sent: [String: Any], caller: Caller) async -> [String: Any] {
        let query = sent["query"] as? String ?? ""
        let operationName = sent["operationName"] as? String
        // Even the careless lab keeps its process alive: GraphQLSwift's parser recurses once per level of nesting.
        if GraphQLQueryShape.maximumNesting(query) > GraphQLQueryShape.maximumParsedNesting { return ["errors": [["message": "query nested too deep"]]] }
        if secure {
            // The document is measured before anything runs (the same measure the gateway's `graphql:` uses).
            do {
                let shape = try GraphQLQueryShape(document: query, operationName: operationName)
                let limits = Self.limits
                if shape.depth > limits.depth || shape.aliases > limits.aliases || shape.directives > limits.directives || shape.tokens > limits.tokens {
                    return ["errors": [["message": "query exceeds the server's limits"]]]
                }
            } catch {
                return ["errors": [["message": "invalid query"]]]
            }
        }
        let variables = (sent["variables"] as? [String: Any]).flatMap { try? JSONSerialization.data(withJSONObject: $0) }
            .flatMap { try? JSONDecoder().decode([String: Map].self, from: $0) } ?? [:]
        // Flaw (GraphQL, API9): anyone may introspect (the secure lab lets admins only).
        let rules = !secure || caller.isAdmin ? specifiedRules : specifiedRules + [NoSchemaIntrospectionCustomRule]
        let started = Date()
        guard let result = try? await graphql(schema: schema, request: query, context: caller, variableValues: variables, operationName: operationName, validationRules: rules),
              let encoded = try? GraphQLJSONEncoder().encode(result),
              var answer = try? JSONSerialization.jsonObject(with: encoded) as? [String: Any] else {
            return ["errors": [["message": "internal error"]]]
        }
        guard var errors = answer["errors"] as? [[String: Any]] else {
            if !secure { answer["extensions"] = Self.tracing(since: started) }
            return answer
        }
        for index in errors.indices {
            if secure {
                // No "Did you mean …?": suggestions give the schema away with introspection off.
                errors[index]["message"] = (errors[index]["message"] as? String)?.components(separatedBy: " Did you mean").first
            } else {
                // Flaw (GraphQL, API8): errors carry the stack trace, answers the resolver tracing.
                errors[index]["extensions"] = ["exception": ["stacktrace": ["LabGraphQL.execute(_:caller:) at LabGraphQL.swift:112", "GraphQL.execute(request:schema:) at Execute.swift:308"]]]
            }
        }
        answer["errors"] = errors
        if !secure { answer["extensions"] = Self.tracing(since: started) }
        return answer
    }

    static func tracing(since started: Date) -> [String: Any] {
        ["tracing": ["version": 1, "startTime": started.formatted(.iso8601), "duration": Int(Date().timeIntervalSince(started) * 1e9)]]
    }

    static func errors(_ status: HTTPResponse.Status, _ messages: [String]) -> Response {
        LabJSON.response(status, ["errors": messages.map { ["message": $0] }])
    }

    static let graphiQL = """
        <!doctype html><html><head><title>GraphiQL</title></head><body><div id="graphiql">Loading the Rampart Bank GraphQL IDE…</div></body></html>
        """

    // MARK: Schema

    static func makeSchema(_ routes: LabRoutes) throws -> GraphQLSchema {
        let secure = routes.secure, state = routes.state
        let database = state.database
        var accountType: GraphQLObjectType!
        let userType = try GraphQLObjectType(name: "User", fields: {
            ["id": GraphQLField(type: GraphQLID), "email": GraphQLField(type: GraphQLString), "name": GraphQLField(type: GraphQLString),
             "role": GraphQLField(type: GraphQLString),
             // Flaw (GraphQL, API3): every user's API key, to whoever reaches a user (the secure lab shows keys on the REST profile only).
             "apiKey": GraphQLField(type: GraphQLString, resolve: { source, _, _, _ in secure ? nil : (source as? [String: any Sendable])?["apiKey"] }),
             "accounts": GraphQLField(type: GraphQLList(accountType), resolve: { source, _, _, _ in
                 let id = (source as? [String: any Sendable])?["id"] as? String ?? ""
                 return try database.query("SELECT * FROM accounts WHERE owner_id = ? ORDER BY id", [.text(id)]).map(account)
             })]
        })
        accountType = try GraphQLObjectType(name: "Account", fields: {
            ["id": GraphQLField(type: GraphQLID), "nickname": GraphQLField(type: GraphQLString), "balance": GraphQLField(type: GraphQLFloat),
             "currency": GraphQLField(type: GraphQLString),
             "owner": GraphQLField(type: userType, resolve: { source, _, _, _ in
                 let owner = (source as? [String: any Sendable])?["ownerId"] as? String ?? ""
                 return try database.query("SELECT * FROM users WHERE id = ?", [.text(owner)]).first.map(user)
             })]
        })
        let productType = try GraphQLObjectType(name: "Product", fields: [
            "id": GraphQLField(type: GraphQLID), "name": GraphQLField(type: GraphQLString), "price": GraphQLField(type: GraphQLFloat),
        ])
        let feedbackType = try GraphQLObjectType(name: "Feedback", fields: [
            "id": GraphQLField(type: GraphQLID), "authorId": GraphQLField(type: GraphQLInt), "message": GraphQLField(type: GraphQLString),
        ])
        @Sendable func signedIn(_ context: any Sendable) throws -> Caller {
            guard let caller = context as? Caller, caller.user != nil else { throw Refusal(description: "sign in first") }
            return caller
        }
        /// The account `id` names, for whoever may see it.
        @Sendable func visibleAccount(_ id: String, _ context: any Sendable) throws -> Row? {
            guard let row = try database.query("SELECT * FROM accounts WHERE id = ?", [.text(id)]).first else { return nil }
            guard secure else { return row }
            // Flaw (GraphQL, API1/API2) fixed: the caller must be signed in and own the account.
            guard try signedIn(context).id == row["owner_id"]?.integer else { throw Refusal(description: "account not found") }
            return row
        }
        let query = try GraphQLObjectType(name: "Query", fields: [
            "me": GraphQLField(type: userType, resolve: { _, _, context, _ in try signedIn(context).user.map(user) }),
            // Flaw (GraphQL, API1 and API2): any account by id, for anyone, signed in or not.
            "account": GraphQLField(type: accountType, args: ["id": GraphQLArgument(type: GraphQLNonNull(GraphQLID))], resolve: { _, args, context, _ in
                try visibleAccount(args["id"].string ?? "", context).map(account)
            }),
            "accounts": GraphQLField(type: GraphQLList(accountType), resolve: { _, _, context, _ in
                let caller = try signedIn(context)
                return try database.query("SELECT * FROM accounts WHERE owner_id = ? ORDER BY id", [.integer(caller.id ?? 0)]).map(account)
            }),
            // Flaw (GraphQL, API5): the staff list only checks that someone is signed in.
            "users": GraphQLField(type: GraphQLList(userType), resolve: { _, _, context, _ in
                let caller = try signedIn(context)
                if secure, !caller.isAdmin { throw Refusal(description: "admin role required") }
                return try database.query("SELECT * FROM users ORDER BY id").map(user)
            }),
            "products": GraphQLField(type: GraphQLList(productType), args: ["search": GraphQLArgument(type: GraphQLNonNull(GraphQLString))], resolve: { _, args, _, _ in
                let search = args["search"].string ?? ""
                // Flaw (GraphQL, API8, SQL injection): the term is pasted into the SQL, and the engine's error shown.
                let rows = secure
                    ? try database.query("SELECT id, name, price FROM products WHERE name LIKE ? ORDER BY id", [.text("%\(search)%")])
                    : try database.query("SELECT id, name, price FROM products WHERE name LIKE '%\(search)%' ORDER BY id")
                return rows.map { ["id": $0["id"]?.text ?? "", "name": $0["name"]?.text ?? "", "price": $0["price"]?.real ?? 0] as [String: any Sendable] }
            }),
            "ping": GraphQLField(type: GraphQLBoolean, args: ["host": GraphQLArgument(type: GraphQLNonNull(GraphQLString))], resolve: { _, args, _, _ in
                let host = args["host"].string ?? ""
                if secure, host.range(of: #"^[A-Za-z0-9.-]{1,253}$"#, options: .regularExpression) == nil { throw Refusal(description: "invalid host name") }
                // Flaw (GraphQL, API8, OS command injection): the host goes through a shell.
                if !secure { _ = await LabRoutes.run(["/bin/sh", "-c", "printf '%s' \(host) > /dev/null"]) }
                let hosts = (try? String(contentsOfFile: "/etc/hosts", encoding: .utf8)) ?? ""
                return hosts.split(whereSeparator: { $0.isWhitespace }).contains { $0 == host }
            }),
            "statementPreview": GraphQLField(type: GraphQLString, args: ["url": GraphQLArgument(type: GraphQLNonNull(GraphQLString))], resolve: { _, args, _, _ in
                let url = args["url"].string ?? ""
                guard routes.allowedOutbound(url) else { throw Refusal(description: "statements are fetched from public https addresses only") }
                // Flaw (GraphQL, API7, SSRF): the statement is fetched from any URL, internal ones included.
                return await routes.fetch(url, method: .GET, body: nil).map { "HTTP \($0)" } ?? "unreachable"
            }),
        ])
        let feedbackInput = try GraphQLInputObjectType(name: "FeedbackInput", fields: [
            "authorId": InputObjectField(type: GraphQLNonNull(GraphQLInt)), "message": InputObjectField(type: GraphQLNonNull(GraphQLString)),
        ])
        let mutation = try GraphQLObjectType(name: "Mutation", fields: [
            // The same sign-in as POST /api/v2/auth/login, for clients that speak only GraphQL: a bearer token.
            "signIn": GraphQLField(type: GraphQLString, args: ["email": GraphQLArgument(type: GraphQLNonNull(GraphQLString)),
                                                                "password": GraphQLArgument(type: GraphQLNonNull(GraphQLString))], resolve: { _, args, _, _ in
                let email = args["email"].string ?? ""
                guard state.allow("login:\(email.lowercased())", limit: 5, per: 60).allowed else { throw Refusal(description: "too many login attempts; try again later") }
                guard let row = try database.query("SELECT * FROM users WHERE email = ?", [.text(email)]).first,
                      row["password_hash"]?.text == LabState.hash(args["password"].string ?? "") else { throw Refusal(description: "invalid email or password") }
                return state.tokens.issueHS256(subject: row["id"]?.integer ?? 0, role: row["role"]?.text ?? "user")
            }),
            "openAccount": GraphQLField(type: accountType, args: ["nickname": GraphQLArgument(type: GraphQLNonNull(GraphQLString))], resolve: { _, args, context, _ in
                let caller = try signedIn(context)
                let nickname = String((args["nickname"].string ?? "").prefix(secure ? 64 : 100_000))
                return try database.query("INSERT INTO accounts (id, owner_id, nickname, balance, currency) VALUES (?, ?, ?, 0, 'EUR') RETURNING *",
                                          [.text(state.newID()), .integer(caller.id ?? 0), .text(nickname)]).first.map(account)
            }),
            // Flaw (GraphQL, API1): anyone signed in renames any account.
            "renameAccount": GraphQLField(type: accountType, args: ["id": GraphQLArgument(type: GraphQLNonNull(GraphQLID)),
                                                                    "nickname": GraphQLArgument(type: GraphQLNonNull(GraphQLString))], resolve: { _, args, context, _ in
                _ = try signedIn(context)
                guard let row = try visibleAccount(args["id"].string ?? "", context) else { return nil }
                return try database.query("UPDATE accounts SET nickname = ? WHERE id = ? RETURNING *",
                                          [.text(String((args["nickname"].string ?? "").prefix(64))), row["id"] ?? .null]).first.map(account)
            }),
            // Flaw (GraphQL, API2): feedback in any customer's name, without signing in.
            "sendFeedback": GraphQLField(type: feedbackType, args: ["input": GraphQLArgument(type: GraphQLNonNull(feedbackInput))], resolve: { _, args, context, _ in
                let author = args["input"]["authorId"].int ?? 0
                if secure, try signedIn(context).id != Int64(author) { throw Refusal(description: "feedback is sent in your own name only") }
                return ["id": state.newID(), "authorId": author, "message": String((args["input"]["message"].string ?? "").prefix(500))] as [String: any Sendable]
            }),
        ])
        return try GraphQLSchema(query: query, mutation: mutation)
    }

    /// Rows as the objects the resolvers hand on (GraphQL's default resolver reads them by field name).
    static func user(_ row: Row) -> [String: any Sendable] {
        ["id": row["id"]?.text ?? "", "email": row["email"]?.text ?? "", "name": row["name"]?.text ?? "", "role": row["role"]?.text ?? "",
         "apiKey": row["api_key"]?.text ?? ""]
    }

    static func account(_ row: Row) -> [String: any Sendable] {
        ["id": row["id"]?.text ?? "", "nickname": row["nickname"]?.text ?? "", "balance": row["balance"]?.real ?? 0,
         "currency": row["currency"]?.text ?? "", "ownerId": row["owner_id"]?.text ?? ""]
    }
}
