import Foundation
import NIOConcurrencyHelpers
import RampartCore
import RampartGraphQL
import RampartHTTP
import RampartSpec

/// What a scan is told beyond the target and identities.
public struct ScanOptions: Sendable {
    /// Let checks send DELETE, PUT, PATCH and state-changing POSTs to objects Rampart did not create.
    public var allowDestructive = false
    /// Extra secrets for JWT cracking, one per line.
    public var jwtWordlist: String?
    /// Only run checks whose rule id is listed (empty: all).
    public var onlyRules: Set<String> = []
    /// The GraphQL endpoint's path (`--graphql`); nil: common paths are probed.
    public var graphQLPath: String?
    /// The GraphQL schema from an SDL file (`--graphql-schema`); nil: introspection.
    public var graphQLSchema: GraphQLSchemaModel?

    public init() {}
}

/// An object that an identity created during the scan (so it may be read, changed and deleted freely).
public struct CreatedObject: @unchecked Sendable {
    public var identity: String
    /// The collection path it was created in, e.g. `/api/v2/accounts`.
    public var collection: String
    public var id: String
    public var body: [String: Any]
    /// Found in the identity's list rather than created by the scan: read, never written.
    public var harvested = false
}

/// Everything checks share: the target, identities, engine, created objects and the findings so far.
public final class ScanContext: @unchecked Sendable {
    public let base: URL
    public let endpoints: [Endpoint]
    public let sessions: [Session]
    public let engine: HTTPEngine
    public let redactor: Redactor
    public let options: ScanOptions
    public let listener: CallbackListener?
    /// The target's GraphQL endpoint, when it has one.
    public let graphQL: GraphQLAPI?
    /// What rampart.yml says of roles and operations (`only:`).
    public let configuration: ScanConfiguration
    /// What every answer of the scan showed, for the passive checks.
    let answers: AnswerLog
    let shared = SharedWork()
    private let state = NIOLockedValueBox(State())

    struct State {
        var findings: [String: Finding] = [:]
        var order: [String] = []
        var objects: [CreatedObject] = []
        /// One successful JSON exchange per operation and identity, for the passive checks.
        var observed: [String: (endpoint: Endpoint, identity: String?, exchange: Exchange)] = [:]
        var graphQLAnswers: [GraphQLAnswer] = []
        var operationsDone = 0
    }

    init(base: URL, endpoints: [Endpoint], sessions: [Session], engine: HTTPEngine, redactor: Redactor, options: ScanOptions, listener: CallbackListener?,
         answers: AnswerLog, graphQL: GraphQLAPI? = nil, configuration: ScanConfiguration = ScanConfiguration()) {
        self.base = base
        self.configuration = configuration
        self.graphQL = graphQL
        self.answers = answers
        self.endpoints = endpoints
        self.sessions = sessions
        self.engine = engine
        self.redactor = redactor
        self.options = options
        self.listener = listener
    }

    // MARK: Identities

    public func session(_ name: String) -> Session? { sessions.first { $0.identity.name == name } }
    /// Identities without an admin role, in the order the configuration lists them.
    public var users: [Session] { sessions.filter { !$0.identity.isAdmin } }
    public var admins: [Session] { sessions.filter { $0.identity.isAdmin } }

    /// The roles that may call `endpoint`: rampart.yml's `only:` for it, or for an operation the description reserves
    /// for administrators, the admin identities' roles. Nil: anyone signed in.
    func allowedRoles(for endpoint: Endpoint) -> [String]? {
        if let roles = configuration.roles(method: endpoint.method, path: endpoint.path) { return roles }
        guard endpoint.isAdminOnly else { return nil }
        let roles = Set(admins.map(\.identity.role))
        return roles.isEmpty ? ["admin"] : roles.sorted()
    }

    /// Who sends requests to `endpoint` when any identity would do: the least privileged identity allowed to call it
    /// (checks then test what that identity reaches), else the first user identity.
    func reachingIdentity(for endpoint: Endpoint) -> String? {
        guard let roles = allowedRoles(for: endpoint), let allowed = sessions.filter({ roles.contains($0.identity.role) }).min(by: { $0.identity.level < $1.identity.level }) else {
            return users.first?.identity.name
        }
        return allowed.identity.name
    }

    // MARK: Objects

    func remember(_ object: CreatedObject) { state.withLockedValue { $0.objects.append(object) } }
    public var objects: [CreatedObject] { state.withLockedValue { $0.objects } }
    public func objects(of identity: String) -> [CreatedObject] { objects.filter { $0.identity == identity } }
    /// The objects the scan created itself as `identity`: the only ones a check may change or delete.
    public func createdObjects(of identity: String) -> [CreatedObject] { objects(of: identity).filter { !$0.harvested } }

    /// The endpoints creating objects: POST on a path without placeholders that takes JSON (logins and sign-ups excluded).
    public var creators: [Endpoint] {
        endpoints.filter { $0.method == "POST" && $0.pathParameters.isEmpty && $0.takesJSONBody && !$0.operation.isAuthenticationEndpoint }
    }

    /// The endpoints addressing one object of `collection`: `collection/{id}` exactly.
    public func itemEndpoints(of collection: String) -> [Endpoint] {
        endpoints.filter { endpoint in
            guard endpoint.path.hasPrefix(collection + "/{"), let close = endpoint.path.lastIndex(of: "}") else { return false }
            return endpoint.path.index(after: close) == endpoint.path.endIndex && endpoint.pathParameters.count == 1
        }
    }

    /// The object this path's placeholders should be filled from: the identity's newest object whose collection prefixes the path.
    func ownObject(for endpoint: Endpoint, identity: String?) -> CreatedObject? {
        // Objects found in lists are somebody's real data: only reads may address them.
        objects.filter { $0.identity == identity && endpoint.path.hasPrefix($0.collection + "/{") && (endpoint.method == "GET" || !$0.harvested) }
            .max { $0.collection.count < $1.collection.count }
    }

    // MARK: Requests

    /// A request for `endpoint` that the API should accept from `identity`: placeholders filled from that identity's
    /// objects (or `object` when given), required query parameters and a JSON body built from the schema.
    public func request(_ endpoint: Endpoint, identity: String?, object: CreatedObject? = nil, body: Any? = nil, query: [URLQueryItem] = [],
                        pathValues: [String: String] = [:]) -> OutboundRequest {
        let owner = object ?? ownObject(for: endpoint, identity: identity)
        var path = endpoint.path
        for name in endpoint.pathParameters {
            let value = pathValues[name] ?? owner?.id ?? endpoint.pathParameterExample(name).map { "\($0)" } ?? "1"
            path = path.replacingOccurrences(of: "{\(name)}", with: value.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? value)
        }
        var components = URLComponents(url: base, resolvingAgainstBaseURL: false)!
        let prefix = base.path.trimmingCharacters(in: ["/"])
        components.percentEncodedPath = Self.validPath((prefix.isEmpty ? "" : "/" + prefix) + path)
        var items = query
        for parameter in endpoint.queryParameters where parameter.required && !items.contains(where: { $0.name == parameter.name }) {
            let value = parameter.example ?? parameter.schema.map { builder(identity: identity).value(for: $0, name: parameter.name) } ?? "rampart"
            items.append(URLQueryItem(name: parameter.name, value: "\(value)"))
        }
        if !items.isEmpty { components.queryItems = items }
        let request = OutboundRequest(method: endpoint.method, url: components.url ?? base, headers: [("Accept", "application/json")])
        let takesBody = endpoint.takesJSONBody || endpoint.takesFormBody
        guard let body = body ?? (takesBody ? endpoint.bodySchema.map({ builder(identity: identity).value(for: $0) }) : nil) else { return request }
        if endpoint.takesFormBody, let fields = body as? [String: Any] {
            return OutboundRequest(method: request.method, url: request.url, headers: request.headers + [("Content-Type", "application/x-www-form-urlencoded")],
                                   body: Data(Self.formEncoded(fields, order: endpoint.bodyFieldOrder).utf8))
        }
        return OutboundRequest(method: request.method, url: request.url, headers: request.headers, json: body)
    }

    /// `path` with every byte a URL path may not hold percent-encoded, escapes already there kept: descriptions and
    /// crawled links carry spaces, quotes and stray `%` (and Foundation traps on an invalid percent-encoded path).
    static func validPath(_ path: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/".utf8)
        let bytes = Array(path.utf8)
        var result = ""
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if allowed.contains(byte) {
                result.append(Character(UnicodeScalar(byte)))
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.count, bytes[index + 1].isHexDigit, bytes[index + 2].isHexDigit {
                result += String(decoding: bytes[index...(index + 2)], as: UTF8.self)
                index += 2
            } else {
                result += String(format: "%%%02X", byte)
            }
            index += 1
        }
        return result
    }

    /// The object body `request` would send for `endpoint` (JSON or form fields), to change a property or two of.
    func exampleBody(_ endpoint: Endpoint, identity: String?) -> [String: Any]? {
        guard endpoint.takesJSONBody || endpoint.takesFormBody else { return nil }
        return endpoint.bodySchema.flatMap { builder(identity: identity).value(for: $0) as? [String: Any] }
    }

    /// `a=1&b=x%20y`, keys in `order` (then the rest sorted), as a browser sends a form's fields in page order; every
    /// byte outside the unreserved set is percent-encoded (`+` and `&` in values included).
    static func formEncoded(_ fields: [String: Any], order: [String]) -> String {
        let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text }
        let keys = order.filter { fields[$0] != nil } + fields.keys.filter { !order.contains($0) }.sorted()
        return keys.map { "\(encode($0))=\(encode("\(fields[$0]!)"))" }.joined(separator: "&")
    }

    /// Builds bodies whose id-like properties (`from_account`, `account_id`) name the identity's own objects.
    func builder(identity: String?) -> ExampleBuilder {
        let own = objects.filter { $0.identity == identity }
        var builder = ExampleBuilder(resolve: { [endpoints] cursor in endpoints.first?.resolve(cursor) ?? cursor })
        builder.overrides = { name in
            let stem = Self.stem(of: name)
            guard !stem.isEmpty else { return nil }
            return own.first { Self.stem(of: String($0.collection.split(separator: "/").last ?? "")) == stem }?.id
        }
        return builder
    }

    /// `from_account`, `accountId`, `accounts` → `account`.
    static func stem(of name: String) -> String {
        var word = name.lowercased()
        for prefix in ["from_", "to_", "source_", "target_", "destination_"] where word.hasPrefix(prefix) { word.removeFirst(prefix.count) }
        for suffix in ["_id", "id", "s"] where word.hasSuffix(suffix) && word.count > suffix.count + 2 { word.removeLast(suffix.count) }
        return word.filter { $0.isLetter }
    }

    /// A URL on the target for a path (query included).
    public func url(_ path: String) -> URL {
        URL(string: path, relativeTo: base)?.absoluteURL ?? base
    }

    /// Sends as `identity` (or anonymously); nil when it could not be sent. Successful JSON answers are kept for passive checks.
    public func send(_ request: OutboundRequest, as identity: String?, endpoint: Endpoint? = nil) async -> Exchange? {
        let exchange: Exchange?
        if let identity, let session = session(identity) {
            exchange = try? await session.send(request)
        } else {
            exchange = try? await engine.send(request)
        }
        if let exchange, let endpoint, exchange.response.isSuccess, exchange.response.json != nil {
            let key = endpoint.label + "\u{1F}" + (identity ?? "")
            state.withLockedValue { state in
                if state.observed[key] == nil { state.observed[key] = (endpoint, identity, exchange) }
            }
        }
        return exchange
    }

    public var observed: [(endpoint: Endpoint, identity: String?, exchange: Exchange)] {
        state.withLockedValue { Array($0.observed.values) }.sorted { $0.endpoint.label < $1.endpoint.label }
    }

    func rememberGraphQL(_ answer: GraphQLAnswer) {
        state.withLockedValue { state in if state.graphQLAnswers.count < 2_000 { state.graphQLAnswers.append(answer) } }
    }

    /// The GraphQL operations sent so far and their answers.
    var graphQLAnswers: [GraphQLAnswer] { state.withLockedValue { $0.graphQLAnswers } }

    // MARK: Findings

    /// Records a finding with the exchange that proves it: the request, a response excerpt and a curl command, secrets redacted.
    public func report(_ rule: RuleMetadata, at location: Location, _ message: String, proof: Exchange?, confidence: Confidence = .certain, severity: Severity? = nil) {
        let evidence = proof.map { Evidence.of($0, redactor: redactor) }
        let finding = Finding(rule: rule, location: location, message: redactor.redact(message), confidence: confidence, severity: severity, evidence: evidence)
        state.withLockedValue { state in
            guard state.findings[finding.fingerprint] == nil else { return }
            state.findings[finding.fingerprint] = finding
            state.order.append(finding.fingerprint)
        }
    }

    public var findingCount: Int { state.withLockedValue { $0.order.count } }

    /// The findings, redacted once more with everything the redactor has learnt by now: a credential handed out late
    /// in the scan may have been sent in a request that an earlier finding shows.
    public var findings: [Finding] {
        state.withLockedValue { state in state.order.compactMap { state.findings[$0] } }.map { finding in
            var finding = finding
            finding.message = redactor.redact(finding.message)
            if var evidence = finding.evidence {
                evidence.request = evidence.request.map(redactor.redact)
                evidence.response = evidence.response.map(redactor.redact)
                evidence.curl = evidence.curl.map(redactor.redact)
                finding.evidence = evidence
            }
            return finding
        }
    }

    func operationDone() { state.withLockedValue { $0.operationsDone += 1 } }
    public var operationsDone: Int { state.withLockedValue { $0.operationsDone } }
}

extension Evidence {
    /// The request as raw HTTP, the start of the response, and a curl command; all redacted.
    static func of(_ exchange: Exchange, redactor: Redactor) -> Evidence {
        let request = exchange.request
        redactor.learn(from: exchange.response)
        var head = "\(request.method) \(redactor.redact(url: request.url)) HTTP/1.1\n"
        head += request.headers.map { "\($0.name): \(redactor.redact(header: $0.name, value: $0.value))\n" }.joined()
        if let body = request.body, !body.isEmpty {
            let text = String(decoding: body.prefix(2000), as: UTF8.self)
            head += "\n" + redactor.redact(text) + (body.count > 2000 ? "… (\(body.count) bytes)" : "")
        }
        let response = exchange.response
        var answer = "HTTP/1.1 \(response.status)\n"
        answer += response.headers.prefix(20).map { "\($0.name): \(redactor.redact(header: $0.name, value: $0.value))\n" }.joined()
        let body = response.text
        if !body.isEmpty { answer += "\n" + redactor.redact(body.count > 1500 ? String(body.prefix(1500)) + "…" : body) }
        return Evidence(request: head, response: answer, curl: redactor.curl(request))
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool { (48...57).contains(self) || (65...70).contains(self) || (97...102).contains(self) }
}

extension Location {
    /// Where a request went: its method and path (findings seen in an answer point there).
    init(of request: OutboundRequest) {
        self.init(method: request.method, path: request.url.path)
    }
}
