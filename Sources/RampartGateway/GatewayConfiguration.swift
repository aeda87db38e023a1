import Foundation
import RampartSpec

/// `gateway:` in the gateway's YAML file: listeners, upstreams, authenticators and routes with their policies.
/// Validated on load; every mistake is one line naming the file, line, column and key (docs/gateway.md).
public struct GatewayConfiguration: Sendable {
    public var listeners: [Listener] = []
    public var admin: Address?
    public var limits = RequestLimits()
    public var upstreams: [String: Upstream] = [:]
    public var authenticators: [String: Authenticator] = [:]
    public var routes: [Route] = []
    public var auditLog: AuditLogSettings?
    public var trafficLog: TrafficLogSettings?
    /// Anomaly detection (docs/detection.md); nil: off.
    public var detection: DetectionSettings?
    /// Client addresses allowed and denied on every listener.
    public var clients = ClientFilter()
    /// Event-loop threads; by default one per core.
    public var threads: Int?

    public struct Address: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    public struct Listener: Sendable {
        public var address: Address
        public var tls: ListenerTLS?
    }

    public struct ListenerTLS: Sendable {
        public var certificate: String
        public var key: String
        /// CA bundle that client certificates must chain to (mutual TLS).
        public var clientCA: String?
        public var requireClientCertificate: Bool
    }

    /// A class, not a struct: every request refers to its upstream, and a reference costs one count where a copy
    /// costs one per field.
    public final class Upstream: Sendable {
        public let url: URL
        /// The URL's path without a trailing `/`, prefixed to every forwarded path (computed once, not per request).
        public let basePath: String
        public let connectTimeout: Double
        public let responseTimeout: Double
        /// Idle keep-alive connections kept per event-loop thread.
        public let maxIdleConnections: Int
        /// CA bundle for an https upstream's certificate (default: the system's roots).
        public let caFile: String?
        /// Idle connections are pooled by URL, so a reload that points a name elsewhere never reuses the old ones.
        let poolKey: String

        init(url: URL, basePath: String, connectTimeout: Double, responseTimeout: Double, maxIdleConnections: Int, caFile: String?) {
            self.url = url
            self.basePath = basePath
            self.connectTimeout = connectTimeout
            self.responseTimeout = responseTimeout
            self.maxIdleConnections = maxIdleConnections
            self.caFile = caFile
            poolKey = url.absoluteString
        }
    }

    public enum Authenticator: Sendable {
        case jwt(JWTSettings)
        case apiKey(header: String, keys: [APIKey])
        /// The identity is the client certificate's subject (the listener verifies the chain).
        case mutualTLS
    }

    public struct JWTSettings: Sendable {
        public var issuer: String
        public var audience: [String]
        public var keys: KeySource
        public var algorithms: [String]
        public var leeway: Double
        /// Seconds between fetches of a remote key set.
        public var refreshInterval: Double = 300
        /// At most one fetch per this many seconds because a token named a `kid` the set does not have.
        public var unknownKidRefreshInterval: Double = 30
        /// Accept an HMAC secret shorter than the 32 bytes RFC 7518 asks for (an issuer that cannot be fixed yet).
        public var allowShortSecret = false

        public enum KeySource: Sendable {
            case file(String), url(URL), discovery(URL)
            /// An HMAC secret (HS* algorithms), from an environment variable or a file, never from the configuration itself.
            case secretEnvironment(String), secretFile(String)

            var isRemote: Bool {
                switch self {
                case .url, .discovery: true
                default: false
                }
            }
        }
    }

    /// Keys are fetched over https only (plain http is allowed on loopback, for tests and sidecars).
    static func isAcceptableKeyURL(_ url: URL) -> Bool {
        url.scheme?.lowercased() == "https" || (url.scheme?.lowercased() == "http" && ["127.0.0.1", "localhost", "::1"].contains(url.host ?? ""))
    }

    /// An API key stored as `sha256:SALT:HEX` (SHA-256 of salt + key), never in clear.
    public struct APIKey: Sendable {
        public var name: String
        public var salt: String
        public var hash: String
        public var roles: [String]
    }

    /// A class: every request takes its route along, and a reference costs one retain where a copy costs one per
    /// field. Its properties are set only while the configuration is read; from then on it is not changed.
    public final class Route: @unchecked Sendable {
        public var name: String
        public var pattern: PathPattern
        public var host: String?
        public var methods: Set<String>?
        public var upstream: String
        public var authenticate: [String]
        public var authorize: Authorization?
        public var rateLimits: [RateLimitRule]
        public var cors: CORSPolicy?
        public var addHeaders: [(name: String, value: String)]
        public var removeHeaders: [String]
        /// Client addresses allowed and denied on this route.
        public var clients = ClientFilter()
        /// The API description the route's traffic must follow.
        public var openAPI: OpenAPISettings?
        /// The GraphQL limits and per-operation rules its requests must follow.
        public var graphQL: GraphQLPolicy?
        /// The route's place in the configuration (what the runtime keys its compiled contract by).
        public var index = 0

        init(name: String, pattern: PathPattern, host: String?, methods: Set<String>?, upstream: String, authenticate: [String],
             authorize: Authorization?, rateLimits: [RateLimitRule], cors: CORSPolicy?, addHeaders: [(name: String, value: String)], removeHeaders: [String]) {
            self.name = name
            self.pattern = pattern
            self.host = host
            self.methods = methods
            self.upstream = upstream
            self.authenticate = authenticate
            self.authorize = authorize
            self.rateLimits = rateLimits
            self.cors = cors
            self.addHeaders = addHeaders
            self.removeHeaders = removeHeaders
        }
    }

    /// `openapi:` on a route (docs/gateway.md, "OpenAPI enforcement").
    public struct OpenAPISettings: Sendable {
        public var spec: String
        /// `enforce` refuses what the spec does not allow; `monitor` only logs it.
        public var monitorOnly = false
        /// `strip`, `flag` or `off`: what happens to response properties the spec does not declare.
        public var responses = "strip"
        /// Refuse query parameters the operation does not declare.
        public var rejectUnknownQuery = true
        /// The path the spec's paths are under at this gateway (default: the path of its first server URL).
        public var basePath: String?
    }

    /// `traffic_log:`: sampled JSON-lines records of requests and answers, for `rampart discover`.
    public struct TrafficLogSettings: Sendable {
        public var path: String
        /// The share of requests recorded, 0 to 1.
        public var sampleRate = 1.0
        /// Whether bodies (JSON only, redacted, at most `maxBody` bytes) are recorded.
        public var bodies = true
        public var maxBody = 16 * 1024
    }

    public struct Authorization: Sendable {
        public var roles: [String] = []
        public var scopes: [String] = []
        public var claims: [String: String] = [:]
        /// A path parameter that must equal a claim (BOLA guard), unless the caller has `unlessRole`.
        public var owner: (parameter: String, claim: String, unlessRole: String?)?
    }

    public struct RateLimitRule: Sendable {
        /// What the limit is counted per: any of ip, sub, api_key, route.
        public var key: [String]
        public var limit: RateLimit
    }

    public struct CORSPolicy: Sendable {
        public var origins: [String]
        public var methods: [String]
        public var headers: [String]
        public var credentials: Bool
        public var maxAge: Int
    }

    public static let algorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA", "HS256", "HS384", "HS512"]
    public static let rateLimitKeys = ["ip", "sub", "api_key", "route"]

    public init() {}

    public static func load(path: String) throws(SpecError) -> GatewayConfiguration {
        try parse(SpecDocument(path: path).root)
    }

    public static func parse(_ root: Cursor) throws(SpecError) -> GatewayConfiguration {
        guard root.node.isObject else { throw root.error("the gateway configuration must be a mapping with a 'gateway:' section") }
        for (key, cursor) in root.entries where key != "gateway" { throw cursor.error("unknown section '\(key)' (expected: gateway)") }
        guard let gateway = root["gateway"], gateway.node.isObject else { throw (root["gateway"] ?? root).error("missing 'gateway:' mapping") }
        var configuration = GatewayConfiguration()
        let known = ["listeners", "admin", "limits", "upstreams", "authenticators", "routes", "audit_log", "traffic_log", "detection", "threads", "clients"]
        for (key, cursor) in gateway.entries where !known.contains(key) {
            throw cursor.error("unknown key 'gateway.\(key)' (expected: \(known.joined(separator: ", ")))")
        }
        guard let listeners = gateway["listeners"], !listeners.items.isEmpty else { throw (gateway["listeners"] ?? gateway).error("'gateway.listeners' must list at least one listener") }
        for item in listeners.items { configuration.listeners.append(try listener(item)) }
        if let admin = gateway["admin"] { configuration.admin = try address(admin) }
        if let limits = gateway["limits"] { configuration.limits = try requestLimits(limits) }
        for (name, cursor) in gateway["upstreams"]?.entries ?? [] { configuration.upstreams[name] = try upstream(cursor) }
        guard !configuration.upstreams.isEmpty else { throw (gateway["upstreams"] ?? gateway).error("'gateway.upstreams' must name at least one upstream") }
        for (name, cursor) in gateway["authenticators"]?.entries ?? [] { configuration.authenticators[name] = try authenticator(cursor) }
        guard let routes = gateway["routes"], !routes.items.isEmpty else { throw (gateway["routes"] ?? gateway).error("'gateway.routes' must list at least one route") }
        for item in routes.items {
            let route = try route(item, configuration)
            route.index = configuration.routes.count
            configuration.routes.append(route)
        }
        let certificateAuthenticators = configuration.authenticators.filter { if case .mutualTLS = $0.value { true } else { false } }.keys
        if let name = certificateAuthenticators.sorted().first, !configuration.listeners.contains(where: { $0.tls?.clientCA != nil }) {
            throw gateway["authenticators"]![name]!.error("the mtls authenticator '\(name)' needs a listener with 'tls.client_ca' (the CA bundle client certificates are verified against)")
        }
        if let log = gateway["audit_log"] { configuration.auditLog = try auditLog(log) }
        if let traffic = gateway["traffic_log"] { configuration.trafficLog = try trafficLog(traffic) }
        if let detection = gateway["detection"] { configuration.detection = try Self.detection(detection) }
        if let clients = gateway["clients"] { configuration.clients = try clientFilter(clients) }
        if let threads = gateway["threads"] { configuration.threads = try integer(threads, "'threads'", in: 1...256) }
        return configuration
    }

    // MARK: Pieces

    static func string(_ cursor: Cursor, _ what: String) throws(SpecError) -> String {
        guard let text = cursor.node.scalarText, !text.isEmpty else { throw cursor.error("\(what) must be a non-empty string") }
        return text
    }

    /// A number within `range` (every number in the configuration has one, documented in docs/gateway.md: a
    /// timeout of 1e10 seconds or a limit of 1e19 would overflow the clocks and counters it feeds).
    static func number(_ cursor: Cursor, _ what: String, in range: ClosedRange<Double>) throws(SpecError) -> Double {
        guard let value = cursor.node.number, value.isFinite, range.contains(value) else {
            throw cursor.error("\(what) must be a number from \(plain(range.lowerBound)) to \(plain(range.upperBound))")
        }
        return value
    }

    /// A whole number within `range`.
    static func integer(_ cursor: Cursor, _ what: String, in range: ClosedRange<Int>) throws(SpecError) -> Int {
        guard let value = cursor.node.number, value.isFinite, value.rounded() == value, value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
            throw cursor.error("\(what) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(value)
    }

    private static func plain(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    static func strings(_ cursor: Cursor, _ what: String) throws(SpecError) -> [String] {
        guard case .array(let items) = cursor.node.value, !items.isEmpty, items.allSatisfy({ $0.string != nil }) else {
            throw cursor.error("\(what) must be a non-empty list of strings")
        }
        return items.compactMap(\.string)
    }

    /// A string or a list of strings.
    static func oneOrMany(_ cursor: Cursor, _ what: String) throws(SpecError) -> [String] {
        if let single = cursor.node.string { return [single] }
        return try strings(cursor, what)
    }

    static func checkKeys(_ cursor: Cursor, _ allowed: [String], in what: String) throws(SpecError) {
        guard cursor.node.isObject else { throw cursor.error("\(what) must be a mapping") }
        for (key, value) in cursor.entries where !allowed.contains(key) {
            throw value.error("unknown key '\(key)' in \(what) (expected: \(allowed.joined(separator: ", ")))")
        }
    }

    /// `host:port` or `[v6]:port`.
    static func address(_ cursor: Cursor) throws(SpecError) -> Address {
        let text = try string(cursor, "an address")
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw cursor.error("'\(text)' is not host:port")
        }
        let host = text[..<colon].trimmingCharacters(in: ["[", "]"])
        guard !host.isEmpty else { throw cursor.error("'\(text)' has no host (write 127.0.0.1:\(port) or 0.0.0.0:\(port))") }
        return Address(host: host, port: port)
    }

    static func listener(_ cursor: Cursor) throws(SpecError) -> Listener {
        try checkKeys(cursor, ["address", "tls"], in: "a listener")
        guard let address = cursor["address"] else { throw cursor.error("a listener needs 'address' (host:port)") }
        var listener = Listener(address: try self.address(address))
        if let tls = cursor["tls"] {
            try checkKeys(tls, ["certificate", "key", "client_ca", "client_certificate"], in: "'tls'")
            let requirement = try tls["client_certificate"].map { cursor throws(SpecError) in try string(cursor, "'client_certificate'") } ?? "none"
            guard ["none", "optional", "required"].contains(requirement) else { throw tls["client_certificate"]!.error("'client_certificate' must be none, optional or required") }
            let clientCA = try tls["client_ca"].map { cursor throws(SpecError) in try string(cursor, "'client_ca'") }
            if requirement != "none" && clientCA == nil { throw tls.error("client certificates need 'client_ca', the CA bundle they must chain to") }
            listener.tls = ListenerTLS(certificate: try tls.requiredString("certificate"), key: try tls.requiredString("key"), clientCA: clientCA,
                                       requireClientCertificate: requirement == "required")
        }
        return listener
    }

    static func requestLimits(_ cursor: Cursor) throws(SpecError) -> RequestLimits {
        try checkKeys(cursor, ["max_uri_length", "max_header_count", "max_header_bytes", "max_body_bytes", "methods", "header_timeout", "body_timeout",
                               "min_body_rate", "refuse_trailing_dots_and_spaces", "underscore_headers"], in: "'limits'")
        var limits = RequestLimits()
        if let value = cursor["max_uri_length"] { limits.maxURILength = try integer(value, "'max_uri_length'", in: 1...1_048_576) }
        if let value = cursor["max_header_count"] { limits.maxHeaderCount = try integer(value, "'max_header_count'", in: 1...10_000) }
        if let value = cursor["max_header_bytes"] { limits.maxHeaderBytes = try integer(value, "'max_header_bytes'", in: 1...1_048_576) }
        if let value = cursor["max_body_bytes"] { limits.maxBodyBytes = try integer(value, "'max_body_bytes'", in: 0...(1 << 40)) }
        if let value = cursor["methods"] { limits.allowedMethods = Set(try strings(value, "'methods'").map { $0.uppercased() }) }
        if let value = cursor["header_timeout"] { limits.headerTimeout = try number(value, "'header_timeout'", in: 0.01...86_400) }
        if let value = cursor["body_timeout"] { limits.bodyTimeout = try number(value, "'body_timeout'", in: 0.01...86_400) }
        if let value = cursor["min_body_rate"] { limits.minimumBodyRate = try integer(value, "'min_body_rate'", in: 0...1_073_741_824) }
        if let value = cursor["refuse_trailing_dots_and_spaces"] {
            guard let flag = value.node.bool else { throw value.error("'refuse_trailing_dots_and_spaces' must be true or false") }
            limits.refuseTrailingDotsAndSpaces = flag
        }
        if let value = cursor["underscore_headers"] {
            guard let policy = value.node.scalarText.flatMap(RequestLimits.UnderscoreHeaders.init(rawValue:)) else {
                throw value.error("'underscore_headers' must be refuse, drop or pass")
            }
            limits.underscoreHeaders = policy
        }
        return limits
    }

    static func upstream(_ cursor: Cursor) throws(SpecError) -> Upstream {
        try checkKeys(cursor, ["url", "connect_timeout", "response_timeout", "max_idle_connections", "ca"], in: "an upstream")
        let text = try cursor.requiredString("url")
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw cursor["url"]!.error("'\(text)' is not an http(s) URL")
        }
        let path = url.path
        if let ca = cursor["ca"], url.scheme?.lowercased() != "https" { throw ca.error("'ca' is for https upstreams (this one is \(text))") }
        return Upstream(url: url, basePath: path.hasSuffix("/") ? String(path.dropLast()) : path,
                        connectTimeout: try cursor["connect_timeout"].map { cursor throws(SpecError) in try number(cursor, "'connect_timeout'", in: 0.001...3_600) } ?? 2,
                        responseTimeout: try cursor["response_timeout"].map { cursor throws(SpecError) in try number(cursor, "'response_timeout'", in: 0.001...86_400) } ?? 30,
                        maxIdleConnections: try cursor["max_idle_connections"].map { cursor throws(SpecError) in try integer(cursor, "'max_idle_connections'", in: 1...100_000) } ?? 1024,
                        caFile: try cursor["ca"].map { cursor throws(SpecError) in try string(cursor, "'ca'") })
    }

    static func authenticator(_ cursor: Cursor) throws(SpecError) -> Authenticator {
        try checkKeys(cursor, ["jwt", "api_key", "mtls"], in: "an authenticator")
        guard cursor.entries.count == 1, let (kind, body) = cursor.entries.first else { throw cursor.error("an authenticator is exactly one of jwt, api_key, mtls") }
        switch kind {
        case "jwt":
            try checkKeys(body, ["issuer", "audience", "jwks_file", "jwks_url", "discovery", "secret_env", "secret_file", "algorithms", "leeway",
                                 "refresh_interval", "unknown_kid_refresh_interval", "allow_short_secret"], in: "'jwt'")
            let sourceKeys = ["jwks_file", "jwks_url", "discovery", "secret_env", "secret_file"]
            let sources = sourceKeys.filter { body[$0] != nil }
            guard sources.count == 1 else { throw body.error("'jwt' needs exactly one of \(sourceKeys.joined(separator: ", "))") }
            let location = try string(body[sources[0]]!, "'\(sources[0])'")
            let source: JWTSettings.KeySource
            switch sources[0] {
            case "jwks_file": source = .file(location)
            case "secret_env": source = .secretEnvironment(location)
            case "secret_file": source = .secretFile(location)
            default:
                guard let url = URL(string: location), url.host != nil, isAcceptableKeyURL(url) else {
                    throw body[sources[0]]!.error("'\(location)' must be an https URL (plain http only on loopback)")
                }
                source = sources[0] == "jwks_url" ? .url(url) : .discovery(url)
            }
            guard let algorithmsCursor = body["algorithms"] else {
                throw body.error("'jwt' needs 'algorithms': the allow-list for this issuer (the token header never chooses)")
            }
            let algorithms = try strings(algorithmsCursor, "'algorithms'")
            for algorithm in algorithms where !Self.algorithms.contains(algorithm) {
                throw algorithmsCursor.error("unknown algorithm '\(algorithm)' (expected: \(Self.algorithms.joined(separator: ", ")))")
            }
            let hmac = algorithms.filter { $0.hasPrefix("HS") }
            if !hmac.isEmpty && hmac.count < algorithms.count {
                throw algorithmsCursor.error("HMAC and public-key algorithms must not share an issuer (that is how key confusion happens)")
            }
            let secretSource = sources[0].hasPrefix("secret_")
            if secretSource != !hmac.isEmpty {
                throw body[sources[0]]!.error(secretSource ? "secret_env and secret_file are for HS256/384/512; public-key algorithms need jwks_file, jwks_url or discovery"
                                                           : "HS256/384/512 need secret_env or secret_file (a key set never supplies an HMAC secret)")
            }
            let audience = try body["audience"].map { cursor throws(SpecError) in try oneOrMany(cursor, "'audience'") } ?? []
            var settings = JWTSettings(issuer: try body.requiredString("issuer"), audience: audience, keys: source, algorithms: algorithms,
                                       leeway: try body["leeway"].map { cursor throws(SpecError) in try number(cursor, "'leeway'", in: 0...3_600) } ?? 30)
            if let value = body["refresh_interval"] { settings.refreshInterval = try number(value, "'refresh_interval'", in: 1...604_800) }
            if let value = body["unknown_kid_refresh_interval"] { settings.unknownKidRefreshInterval = try number(value, "'unknown_kid_refresh_interval'", in: 0...86_400) }
            if let value = body["allow_short_secret"] {
                guard secretSource, let allow = value.node.bool else { throw value.error("'allow_short_secret' is true or false, and only for secret_env or secret_file") }
                settings.allowShortSecret = allow
            }
            return .jwt(settings)
        case "api_key":
            try checkKeys(body, ["header", "keys"], in: "'api_key'")
            guard let list = body["keys"], !list.items.isEmpty else { throw body.error("'api_key' needs 'keys': a list of {name, hash}") }
            var keys: [APIKey] = []
            for item in list.items {
                try checkKeys(item, ["name", "hash", "roles"], in: "an API key")
                let hash = try item.requiredString("hash")
                let parts = hash.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 3, parts[0] == "sha256", !parts[1].isEmpty, parts[2].count == 64, parts[2].allSatisfy(\.isHexDigit) else {
                    throw item["hash"]!.error("'hash' must be sha256:SALT:HEX (rampart gateway hash-key prints one); keys are never stored in clear")
                }
                keys.append(APIKey(name: try item.requiredString("name"), salt: String(parts[1]), hash: String(parts[2]).lowercased(),
                                   roles: try item["roles"].map { cursor throws(SpecError) in try strings(cursor, "'roles'") } ?? []))
            }
            return .apiKey(header: try body["header"].map { cursor throws(SpecError) in try string(cursor, "'header'") } ?? "X-API-Key", keys: keys)
        default:
            try checkKeys(body, [], in: "'mtls' (it takes no settings: the identity is the certificate's first subject alternative name, else its common name)")
            return .mutualTLS
        }
    }

    /// `clients: {allow: [CIDR…], deny: [CIDR…]}`.
    static func clientFilter(_ cursor: Cursor) throws(SpecError) -> ClientFilter {
        try checkKeys(cursor, ["allow", "deny"], in: "'clients'")
        func ranges(_ key: String) throws(SpecError) -> [AddressRange] {
            guard let list = cursor[key] else { return [] }
            return try strings(list, "'clients.\(key)'").map { text throws(SpecError) in
                guard let range = AddressRange(text) else { throw list.error("'\(text)' is not an IP address or CIDR range (10.0.0.0/8, 2001:db8::/32)") }
                return range
            }
        }
        return ClientFilter(allow: try ranges("allow"), deny: try ranges("deny"))
    }

    static func route(_ cursor: Cursor, _ configuration: GatewayConfiguration) throws(SpecError) -> Route {
        try checkKeys(cursor, ["name", "path", "host", "methods", "case_sensitive", "upstream", "authenticate", "authorize", "rate_limits", "cors", "headers",
                               "clients", "openapi", "graphql"], in: "a route")
        let path = try cursor.requiredString("path")
        let caseSensitive = cursor["case_sensitive"]?.node.bool ?? false
        guard let pattern = PathPattern(path, caseSensitive: caseSensitive) else {
            throw cursor["path"]!.error("'\(path)' is not a path (it starts with /; placeholders are whole segments like {id})")
        }
        let upstream = try cursor.requiredString("upstream")
        guard configuration.upstreams[upstream] != nil else { throw cursor["upstream"]!.error("no upstream named '\(upstream)' (defined: \(configuration.upstreams.keys.sorted().joined(separator: ", ")))") }
        let route = Route(name: cursor["name"]?.node.string ?? path, pattern: pattern, host: cursor["host"]?.node.string?.lowercased(), methods: nil,
                          upstream: upstream, authenticate: [], authorize: nil, rateLimits: [], cors: nil, addHeaders: [], removeHeaders: [])
        if let methods = cursor["methods"] { route.methods = Set(try strings(methods, "'methods'").map { $0.uppercased() }) }
        if let authenticate = cursor["authenticate"] {
            route.authenticate = try strings(authenticate, "'authenticate'")
            for name in route.authenticate where configuration.authenticators[name] == nil {
                throw authenticate.error("no authenticator named '\(name)' (defined: \(configuration.authenticators.keys.sorted().joined(separator: ", ")))")
            }
        }
        if let authorize = cursor["authorize"] {
            try checkKeys(authorize, ["roles", "scopes", "claims", "owner"], in: "'authorize'")
            guard !route.authenticate.isEmpty else { throw authorize.error("'authorize' needs 'authenticate' on the same route") }
            var rules = Authorization()
            if let roles = authorize["roles"] { rules.roles = try strings(roles, "'roles'") }
            if let scopes = authorize["scopes"] { rules.scopes = try strings(scopes, "'scopes'") }
            for (claim, value) in authorize["claims"]?.entries ?? [] { rules.claims[claim] = try string(value, "claim '\(claim)'") }
            if let owner = authorize["owner"] {
                try checkKeys(owner, ["parameter", "claim", "unless_role"], in: "'owner'")
                let parameter = try owner.requiredString("parameter")
                guard pattern.parameters.contains(parameter) else { throw owner["parameter"]!.error("the path '\(path)' has no {\(parameter)}") }
                rules.owner = (parameter, try owner.requiredString("claim"), owner["unless_role"]?.node.string)
            }
            route.authorize = rules
        }
        for item in cursor["rate_limits"]?.items ?? [] { route.rateLimits.append(try rateLimit(item, authenticated: !route.authenticate.isEmpty)) }
        if let cors = cursor["cors"] {
            try checkKeys(cors, ["origins", "methods", "headers", "credentials", "max_age"], in: "'cors'")
            let origins = try strings(cors["origins"] ?? cors, "'cors.origins'")
            let credentials = cors["credentials"]?.node.bool ?? false
            if credentials && origins.contains("*") { throw cors["origins"]!.error("'*' cannot be combined with credentials: list the trusted origins") }
            route.cors = CORSPolicy(origins: origins, methods: try cors["methods"].map { cursor throws(SpecError) in try strings(cursor, "'methods'") } ?? ["GET", "POST"],
                                    headers: try cors["headers"].map { cursor throws(SpecError) in try strings(cursor, "'headers'") } ?? ["Authorization", "Content-Type"],
                                    credentials: credentials, maxAge: try cors["max_age"].map { cursor throws(SpecError) in try integer(cursor, "'max_age'", in: 0...86_400) } ?? 600)
        }
        if let headers = cursor["headers"] {
            try checkKeys(headers, ["add", "remove"], in: "'headers'")
            for (name, value) in headers["add"]?.entries ?? [] {
                let text = try string(value, "header '\(name)'")
                guard RequestGuard.isToken(name), !text.utf8.contains(where: { $0 < 0x20 && $0 != 0x09 }) else {
                    throw value.error("header '\(name)' has characters a header cannot carry")
                }
                route.addHeaders.append((name, text))
            }
            if let remove = headers["remove"] { route.removeHeaders = try strings(remove, "'remove'") }
        }
        if let clients = cursor["clients"] { route.clients = try clientFilter(clients) }
        if let openAPI = cursor["openapi"] { route.openAPI = try openAPISettings(openAPI) }
        if let graphQL = cursor["graphql"] { route.graphQL = try GraphQLPolicy.parse(graphQL, authenticated: !route.authenticate.isEmpty) }
        return route
    }

    /// One rate limit: `{limit, per, burst, key}`.
    static func rateLimit(_ item: Cursor, authenticated: Bool) throws(SpecError) -> GatewayConfiguration.RateLimitRule {
        try checkKeys(item, ["key", "limit", "per", "burst"], in: "a rate limit")
        let keys = try item["key"].map { cursor throws(SpecError) in try oneOrMany(cursor, "'key'") } ?? ["ip"]
        for key in keys where !rateLimitKeys.contains(key) { throw item["key"]!.error("unknown rate-limit key '\(key)' (expected: \(rateLimitKeys.joined(separator: ", ")))") }
        if keys.contains(where: { $0 == "sub" || $0 == "api_key" }) && !authenticated {
            throw item["key"]!.error("a limit per \(keys.joined(separator: "+")) needs 'authenticate' on the route")
        }
        guard let limit = item["limit"] else { throw item.error("a rate limit needs 'limit' (requests per 'per' seconds)") }
        return RateLimitRule(key: keys, limit: RateLimit(
            limit: try integer(limit, "'limit'", in: 1...1_000_000_000),
            period: try item["per"].map { cursor throws(SpecError) in try number(cursor, "'per'", in: 0.001...31_536_000) } ?? 1,
            burst: try item["burst"].map { cursor throws(SpecError) in try integer(cursor, "'burst'", in: 1...1_000_000_000) }))
    }

    static func openAPISettings(_ cursor: Cursor) throws(SpecError) -> OpenAPISettings {
        if let spec = cursor.node.string { return OpenAPISettings(spec: spec) }
        try checkKeys(cursor, ["spec", "mode", "responses", "unknown_query", "base_path"], in: "'openapi'")
        var settings = OpenAPISettings(spec: try cursor.requiredString("spec"))
        if let mode = cursor["mode"] {
            let value = try string(mode, "'mode'")
            guard ["enforce", "monitor"].contains(value) else { throw mode.error("'mode' must be enforce or monitor") }
            settings.monitorOnly = value == "monitor"
        }
        settings.responses = settings.monitorOnly ? "flag" : "strip"
        if let responses = cursor["responses"] {
            let value = try string(responses, "'responses'")
            guard ["strip", "flag", "off"].contains(value) else { throw responses.error("'responses' must be strip, flag or off") }
            guard !(settings.monitorOnly && value == "strip") else { throw responses.error("monitor mode changes no answer: use 'responses: flag' (or mode: enforce)") }
            settings.responses = value
        }
        if let unknown = cursor["unknown_query"] {
            let value = try string(unknown, "'unknown_query'")
            guard ["reject", "allow"].contains(value) else { throw unknown.error("'unknown_query' must be reject or allow") }
            settings.rejectUnknownQuery = value == "reject"
        }
        if let base = cursor["base_path"] {
            let value = try string(base, "'base_path'")
            guard value.hasPrefix("/") else { throw base.error("'base_path' must start with /") }
            settings.basePath = value.hasSuffix("/") ? String(value.dropLast()) : value
        }
        return settings
    }

    /// `audit_log: FILE`, or a mapping with the file and how it is written and signed.
    static func auditLog(_ cursor: Cursor) throws(SpecError) -> AuditLogSettings {
        if cursor.node.scalarText != nil { return AuditLogSettings(path: try string(cursor, "'audit_log'")) }
        try checkKeys(cursor, ["path", "key_file", "key_env", "flush_interval", "checkpoint_interval", "max_backlog", "when_full"], in: "'audit_log'")
        var settings = AuditLogSettings(path: try cursor.requiredString("path"))
        settings.keyFile = try cursor["key_file"].map { cursor throws(SpecError) in try string(cursor, "'audit_log.key_file'") }
        settings.keyEnvironment = try cursor["key_env"].map { cursor throws(SpecError) in try string(cursor, "'audit_log.key_env'") }
        if settings.keyFile != nil && settings.keyEnvironment != nil { throw cursor.error("'audit_log' takes key_file or key_env, not both") }
        if let value = cursor["flush_interval"] { settings.flushInterval = try number(value, "'audit_log.flush_interval'", in: 0.01...10) }
        if let value = cursor["checkpoint_interval"] { settings.checkpointInterval = try number(value, "'audit_log.checkpoint_interval'", in: 0.1...3_600) }
        if let value = cursor["max_backlog"] { settings.maxBacklog = try integer(value, "'audit_log.max_backlog'", in: 1...10_000_000) }
        if let value = cursor["when_full"] {
            guard let choice = value.node.scalarText.flatMap(AuditLogSettings.WhenFull.init(rawValue:)) else {
                throw value.error("'audit_log.when_full' must be block or shed")
            }
            settings.whenFull = choice
        }
        return settings
    }

    static func trafficLog(_ cursor: Cursor) throws(SpecError) -> TrafficLogSettings {
        if let path = cursor.node.string { return TrafficLogSettings(path: path) }
        try checkKeys(cursor, ["path", "sample_rate", "bodies", "max_body"], in: "'traffic_log'")
        var settings = TrafficLogSettings(path: try cursor.requiredString("path"))
        if let rate = cursor["sample_rate"] {
            settings.sampleRate = try number(rate, "'sample_rate'", in: 0...1)
        }
        settings.bodies = cursor["bodies"]?.node.bool ?? true
        if let size = cursor["max_body"] { settings.maxBody = try integer(size, "'max_body'", in: 0...16_777_216) }
        return settings
    }
}
