import Foundation
import RampartCore
import RampartHTTP

// What a GraphQL endpoint accepts beyond one query per POST: each check sends a few small requests and reports only
// what the answer shows (the peer here is graphql-cop, whose checks these cover).

/// `{ a0: __typename a1: __typename … }` with 100 aliases, answered in full: one request makes the server resolve
/// a field as often as the client likes.
struct GraphQLAliasOverloading: ScanCheck {
    let rule = RuleMetadata(
        id: "graphql-alias-overloading", title: "GraphQL accepts unbounded aliases", severity: .medium, owasp: .api4, cwe: [770],
        description: "A query repeating one field under 100 aliases was answered in full: one request can make the server resolve any field (a login, an expensive search) as often as the client wants, past rate limits counted per request.",
        remediation: "Limit aliases per query (GraphQL Armor's maxAliases, or a cost limit) and count aliased calls of sensitive fields against rate limits.")

    func run(_ scan: ScanContext) async {
        guard scan.graphQL != nil else { return }
        defer { scan.operationDone() }
        let aliases = (0..<100).map { "a\($0): __typename" }.joined(separator: " ")
        guard let exchange = await scan.askGraphQL("query { \(aliases) }", as: scan.users.first?.identity.name),
              let data = GraphQLAnswer.data(of: exchange), data.count == 100 else { return }
        scan.report(rule, at: scan.graphQLLocation("aliases"), "a query with 100 aliases of one field was answered with all 100", proof: exchange)
    }
}

/// An array of operations in one POST, answered with an array: batching multiplies whatever a single request may do.
struct GraphQLBatching: ScanCheck {
    let rule = RuleMetadata(
        id: "graphql-batching", title: "GraphQL accepts batched operations", severity: .medium, owasp: .api4, cwe: [770, 307],
        description: "A JSON array of 10 operations in one request was answered with 10 results: a client can multiply brute force, enumeration or expensive queries past per-request rate limits.",
        remediation: "Turn batching off, or cap the batch size and count every operation of a batch against rate limits.")

    func run(_ scan: ScanContext) async {
        guard let url = scan.graphQLURL else { return }
        defer { scan.operationDone() }
        let batch = (0..<10).map { _ in ["query": "query { __typename }"] }
        let request = OutboundRequest(method: "POST", url: url, headers: [("Accept", "application/json")], json: batch)
        guard let exchange = await scan.send(request, as: scan.users.first?.identity.name), exchange.response.isSuccess,
              let results = exchange.response.json as? [[String: Any]], results.count == 10,
              results.allSatisfy({ ($0["data"] as? [String: Any])?["__typename"] != nil }) else { return }
        scan.report(rule, at: scan.graphQLLocation("batch"), "an array of 10 queries in one request was answered with 10 results", proof: exchange)
    }
}

/// A misspelt field answered with "Did you mean …?": the schema can be recovered field by field with
/// introspection turned off.
struct GraphQLFieldSuggestions: ScanCheck {
    let rule = RuleMetadata(
        id: "graphql-field-suggestions", title: "GraphQL errors suggest field names", severity: .low, owasp: .api8, cwe: [200],
        description: "A query naming a field that does not exist was answered with a suggestion of real ones (\"Did you mean …?\"): tools such as clairvoyance recover the whole schema this way even with introspection off.",
        remediation: "Strip suggestions from validation errors in production (GraphQL Armor's blockFieldSuggestions, or the server's own setting).")

    func run(_ scan: ScanContext) async {
        guard scan.graphQL != nil else { return }
        defer { scan.operationDone() }
        // A real field with one letter dropped, when the schema is known; a common name otherwise.
        let real = scan.graphQL?.schema?.queries.first { $0.name.count > 3 }?.name ?? "user"
        let misspelt = String(real.dropLast())
        guard let exchange = await scan.askGraphQL("query { \(misspelt) }"),
              let message = GraphQLAnswer.errors(of: exchange).compactMap({ $0["message"] as? String }).first(where: { $0.contains("Did you mean") }) else { return }
        scan.report(rule, at: scan.graphQLLocation("field suggestions"), "asking for '\(misspelt)' was answered \"\(message.prefix(120))\"", proof: exchange)
    }
}

/// Operations over GET (and as a form POST): a browser sends both cross-site with the user's cookies, without a
/// CORS preflight, so a page elsewhere can run them as the user.
struct GraphQLCrossSiteRequests: ScanCheck {
    let rule = RuleMetadata(
        id: "graphql-csrf", title: "GraphQL runs operations a foreign page can send", severity: .medium, owasp: .api8, cwe: [352],
        description: "The endpoint ran an operation sent as a GET query string or as an HTML form's POST (application/x-www-form-urlencoded): a browser sends both from any site with the user's cookies and no preflight, so a foreign page can query or change data as the user (mutations over GET are worse).",
        remediation: "Accept operations only as POST application/json (or require a custom header such as Apollo's CSRF prevention), and never run mutations over GET.")

    func run(_ scan: ScanContext) async {
        guard let url = scan.graphQLURL, var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return }
        defer { scan.operationDone() }
        let caller = scan.sessions.first?.identity.name
        var found: [(String, Exchange)] = []
        for (kind, document) in [("query", "query { __typename }"), ("mutation", "mutation { __typename }")] where scan.graphQL?.schema?.mutationType != nil || kind == "query" {
            components.queryItems = [URLQueryItem(name: "query", value: document)]
            let request = OutboundRequest(method: "GET", url: components.url ?? url, headers: [("Accept", "application/json")])
            if let exchange = await scan.send(request, as: caller), GraphQLAnswer.data(of: exchange)?["__typename"] != nil { found.append(("a \(kind) over GET", exchange)) }
        }
        let form = OutboundRequest(method: "POST", url: url, headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                                   body: Data(ScanContext.formEncoded(["query": "query { __typename }"], order: []).utf8))
        if let exchange = await scan.send(form, as: caller), GraphQLAnswer.data(of: exchange)?["__typename"] != nil { found.append(("a form-encoded POST", exchange)) }
        guard let proof = found.last?.1 else { return }
        let mutation = found.contains { $0.0.contains("mutation") }
        scan.report(rule, at: scan.graphQLLocation("cross-site", method: proof.request.method), "the endpoint ran \(found.map(\.0).joined(separator: ", "))", proof: proof,
                    severity: mutation ? .high : nil)
    }
}

/// GraphiQL, Playground, Altair or Voyager served to anyone: an IDE with the schema, auto-completion and history.
struct GraphQLIDEExposed: ScanCheck {
    let rule = RuleMetadata(
        id: "graphql-ide-exposed", title: "GraphQL IDE exposed", severity: .low, owasp: .api8, cwe: [200, 1295],
        description: "The endpoint serves an in-browser GraphQL IDE (GraphiQL, Playground, Altair, Voyager) to anyone: the schema, documentation and a console to run operations.",
        remediation: "Serve the IDE only in development, or behind authentication.")
    static let signatures = ["graphiql", "graphql-playground", "GraphQL Playground", "altair", "graphql-voyager"]

    func run(_ scan: ScanContext) async {
        guard let url = scan.graphQLURL else { return }
        defer { scan.operationDone() }
        let request = OutboundRequest(method: "GET", url: url, headers: [("Accept", "text/html")])
        guard let exchange = await scan.send(request, as: nil), exchange.response.isSuccess,
              exchange.response.header("Content-Type")?.lowercased().contains("html") == true,
              let ide = Self.signatures.first(where: { exchange.response.text.range(of: $0, options: .caseInsensitive) != nil }) else { return }
        scan.report(rule, at: scan.graphQLLocation("IDE", method: "GET"), "GET \(url.path) with Accept: text/html serves \(ide) to anyone", proof: exchange)
    }
}

/// One field under 10 copies of an unknown directive: a server that reports each copy spends work per directive.
struct GraphQLDirectiveOverloading: ScanCheck {
    let rule = RuleMetadata(
        id: "graphql-directive-overloading", title: "GraphQL processes unbounded directives", severity: .low, owasp: .api4, cwe: [770],
        description: "A field carrying 10 copies of a directive was parsed and validated copy by copy (one error each): a query with thousands of directives costs the server time before anything is resolved.",
        remediation: "Limit directives per query (GraphQL Armor's maxDirectives) and the size of queries.")

    func run(_ scan: ScanContext) async {
        guard scan.graphQL != nil else { return }
        defer { scan.operationDone() }
        let directives = String(repeating: "@rampart", count: 10)
        guard let exchange = await scan.askGraphQL("query { __typename \(directives) }"), GraphQLAnswer.errors(of: exchange).count >= 10 else { return }
        scan.report(rule, at: scan.graphQLLocation("directives"),
                    "a field with 10 copies of an unknown directive got \(GraphQLAnswer.errors(of: exchange).count) errors, one per copy", proof: exchange)
    }
}

/// Apollo tracing in answers, and stack traces in errors: timings and the server's code paths handed to clients.
struct GraphQLDebugOutput: ScanCheck {
    let rule = RuleMetadata(
        id: "graphql-debug-output", title: "GraphQL answers carry tracing or stack traces", severity: .low, owasp: .api8, cwe: [209, 215],
        description: "GraphQL answers carried resolver tracing (extensions.tracing) or errors with stack traces (extensions.exception.stacktrace): timings and code paths that help an attacker plan and time attacks.",
        remediation: "Turn tracing and debug mode off in production; return errors without exception details.")

    func run(_ scan: ScanContext) async {
        guard scan.graphQL != nil else { return }
        defer { scan.operationDone() }
        // A valid query (tracing) and an argument of the wrong type (an error).
        for document in ["query { __typename }", "query { __type(name: 1) { name } }"] {
            guard let exchange = await scan.askGraphQL(document), let answer = exchange.response.json as? [String: Any] else { continue }
            let extensions = answer["extensions"] as? [String: Any]
            let traced = GraphQLAnswer.errors(of: exchange).contains { error in
                let details = (error["extensions"] as? [String: Any]).map { "\($0)" } ?? ""
                return details.contains("stacktrace") || details.contains("Traceback")
            }
            guard extensions?["tracing"] != nil || traced else { continue }
            scan.report(rule, at: scan.graphQLLocation("debug"), traced ? "an error answer carries a stack trace" : "answers carry resolver tracing (extensions.tracing)", proof: exchange)
            return
        }
    }
}

/// One field repeated 500 times in a query, answered: nothing bounds the size of a query the server parses and
/// validates before resolving.
struct GraphQLFieldDuplication: ScanCheck {
    let rule = RuleMetadata(
        id: "graphql-field-duplication", title: "GraphQL accepts queries of any size", severity: .low, owasp: .api4, cwe: [770],
        description: "A query repeating one field 500 times was parsed, validated and answered: nothing bounds query size or token count, so a few large requests cost the server far more than they cost the client.",
        remediation: "Limit the number of tokens or the size of a query (GraphQL Armor's maxTokens, a body size limit) and reject duplicated fields early.")

    func run(_ scan: ScanContext) async {
        guard scan.graphQL != nil else { return }
        defer { scan.operationDone() }
        let fields = String(repeating: "__typename ", count: 500)
        guard let exchange = await scan.askGraphQL("query { \(fields)}"), GraphQLAnswer.data(of: exchange)?["__typename"] != nil else { return }
        scan.report(rule, at: scan.graphQLLocation("field duplication"), "a query repeating __typename 500 times was answered", proof: exchange)
    }
}

/// Introspection nested along its own cycle (`__schema { types { fields { type { fields { … } } } } }`), answered in
/// full: a request anyone can send that makes the server walk its whole schema several times over.
struct GraphQLIntrospectionDepth: ScanCheck {
    let rule = RuleMetadata(
        id: "graphql-introspection-depth", title: "Deep introspection queries are answered", severity: .low, owasp: .api4, cwe: [674, 770],
        description: "An introspection query nested along its own cycle (types → fields → type → fields …, 5 rounds) was answered in full: its cost grows with the schema at every level, and no depth limit applies to introspection.",
        remediation: "Turn introspection off in production, or apply the depth and cost limits to introspection queries too.")

    func run(_ scan: ScanContext) async {
        guard scan.graphQL != nil else { return }
        defer { scan.operationDone() }
        var selection = "name"
        for _ in 0..<5 { selection = "fields { type { \(selection) } }" }
        guard let exchange = await scan.askGraphQL("query { __schema { types { \(selection) } } }"),
              GraphQLAnswer.data(of: exchange)?["__schema"] is [String: Any] else { return }
        scan.report(rule, at: scan.graphQLLocation("introspection depth"), "an introspection query 12 levels deep was answered in full (\(exchange.response.body.count) bytes)",
                    proof: exchange)
    }
}
