import RampartSpec

/// `graphql:` on a route: what a GraphQL request may ask for before it reaches the upstream. Defaults follow GraphQL
/// Armor's (depth, aliases, cost, tokens), tightened where a default is an open door (batching, GET, introspection).
public struct GraphQLPolicy: Sendable {
    public var maxDepth = 8
    public var maxAliases = 15
    /// Operations in one JSON array; 1 turns batching off.
    public var maxBatch = 1
    public var maxDirectives = 10
    public var maxTokens = 1_000
    public var maxCost = 5_000
    /// Who may introspect: nobody (the default), everyone, or callers with one of these roles.
    public var introspection: Access = .nobody
    /// Queries (never mutations) over GET; off by default, because a browser sends a GET from any site with the
    /// user's cookies (CSRF). Form-encoded POSTs are always refused for the same reason.
    public var allowGet = false
    /// "Did you mean …?" removed from the upstream's error messages (they give the schema away without introspection).
    public var stripSuggestions = true
    /// Resolver tracing and exception stack traces removed from the upstream's answers.
    public var stripDebug = true
    /// SHA-256 (hex) of every document allowed to run (`persisted_queries: FILE`); nil lets any document through the limits.
    public var persistedQueriesFile: String?
    /// Per root field (`deleteUser`): the roles that may run it and its own rate limit.
    public var operations: [String: OperationRule] = [:]

    public enum Access: Sendable, Equatable {
        case nobody, everyone
        case roles([String])
    }

    public struct OperationRule: Sendable {
        public var roles: [String] = []
        public var rateLimit: GatewayConfiguration.RateLimitRule?
    }

    public init() {}

    static let keys = ["max_depth", "max_aliases", "max_batch", "max_directives", "max_tokens", "max_cost", "introspection", "allow_get",
                       "suggestions", "debug", "persisted_queries", "operations"]

    /// Reads `graphql:` (`true`, or a mapping of the keys above); `authenticated` says whether the route authenticates,
    /// which roles need.
    static func parse(_ cursor: Cursor, authenticated: Bool) throws(SpecError) -> GraphQLPolicy {
        var policy = GraphQLPolicy()
        if cursor.node.bool == true { return policy }
        try GatewayConfiguration.checkKeys(cursor, keys, in: "'graphql'")
        func limit(_ key: String, _ range: ClosedRange<Int>) throws(SpecError) -> Int? {
            try cursor[key].map { value throws(SpecError) in try GatewayConfiguration.integer(value, "'graphql.\(key)'", in: range) }
        }
        policy.maxDepth = try limit("max_depth", 1...1_000) ?? policy.maxDepth
        policy.maxAliases = try limit("max_aliases", 0...100_000) ?? policy.maxAliases
        policy.maxBatch = try limit("max_batch", 1...1_000) ?? policy.maxBatch
        policy.maxDirectives = try limit("max_directives", 0...100_000) ?? policy.maxDirectives
        policy.maxTokens = try limit("max_tokens", 1...10_000_000) ?? policy.maxTokens
        policy.maxCost = try limit("max_cost", 1...1_000_000_000) ?? policy.maxCost
        if let introspection = cursor["introspection"] {
            if let allowed = introspection.node.bool {
                policy.introspection = allowed ? .everyone : .nobody
            } else {
                guard authenticated else { throw introspection.error("introspection by role needs 'authenticate' on the same route") }
                policy.introspection = .roles(try GatewayConfiguration.strings(introspection, "'graphql.introspection' (true, false or a list of roles)"))
            }
        }
        if let get = cursor["allow_get"] {
            guard let allowed = get.node.bool else { throw get.error("'graphql.allow_get' must be true or false") }
            policy.allowGet = allowed
        }
        for (key, keep) in [("suggestions", "keep"), ("debug", "keep")] {
            guard let value = cursor[key] else { continue }
            let text = try GatewayConfiguration.string(value, "'graphql.\(key)'")
            guard ["strip", keep].contains(text) else { throw value.error("'graphql.\(key)' must be strip or keep") }
            if key == "suggestions" { policy.stripSuggestions = text == "strip" } else { policy.stripDebug = text == "strip" }
        }
        if let file = cursor["persisted_queries"] { policy.persistedQueriesFile = try GatewayConfiguration.string(file, "'graphql.persisted_queries'") }
        for (field, rule) in cursor["operations"]?.entries ?? [] {
            try GatewayConfiguration.checkKeys(rule, ["roles", "rate_limit"], in: "operation '\(field)'")
            var parsed = OperationRule()
            if let roles = rule["roles"] {
                guard authenticated else { throw roles.error("roles for '\(field)' need 'authenticate' on the same route") }
                parsed.roles = try GatewayConfiguration.strings(roles, "'roles' of '\(field)'")
            }
            if let limit = rule["rate_limit"] { parsed.rateLimit = try GatewayConfiguration.rateLimit(limit, authenticated: authenticated) }
            policy.operations[field] = parsed
        }
        return policy
    }
}
