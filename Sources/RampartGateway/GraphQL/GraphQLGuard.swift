import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import RampartCore
import RampartGraphQL

/// Applies a route's `graphql:` policy: every request's document is parsed once (GraphQLSwift) and measured; one
/// above a limit, or not allowed to this caller, is answered by the gateway with a GraphQL-shaped error and never
/// reaches the upstream. Answers lose their field suggestions and debug output on the way back.
public final class GraphQLGuard: Sendable {
    let policy: GraphQLPolicy
    /// SHA-256 (hex) of the documents allowed to run, when the policy names a persisted-query file.
    let persisted: Set<String>?
    /// Measured documents by text (and operation name): clients send the same few documents with new variables, and
    /// GraphQLSwift's parse is most of the policy's cost. Bounded; emptied when full.
    private let shapes = NIOLockedValueBox<[String: Result<GraphQLQueryShape, GraphQLQueryShape.Invalid>]>([:])
    static let maximumCachedShapes = 4_096

    public init(policy: GraphQLPolicy, persistedQueries: Data? = nil) throws(GraphQLGuardError) {
        self.policy = policy
        guard let persistedQueries else { persisted = nil; return }
        persisted = try Self.hashes(persistedQueries)
    }

    /// A persisted-query file: a JSON list of documents, or an object mapping hashes to documents (Apollo's
    /// manifest); each document's own hash is what is allowed, so a mapping cannot smuggle in a wrong one.
    static func hashes(_ data: Data) throws(GraphQLGuardError) -> Set<String> {
        let parsed = try? JSONSerialization.jsonObject(with: data)
        let documents: [Any]
        if let list = parsed as? [Any] { documents = list } else if let map = parsed as? [String: Any] { documents = Array(map.values) } else {
            throw GraphQLGuardError(description: "not a JSON list of documents or an object mapping hashes to documents")
        }
        var hashes: Set<String> = []
        for (index, document) in documents.enumerated() {
            guard let text = document as? String else { throw GraphQLGuardError(description: "entry \(index + 1) is not a string") }
            // Only whether it parses: a document may hold several operations, each run by its name.
            guard GraphQLQueryShape.maximumNesting(text) <= GraphQLQueryShape.maximumParsedNesting, GraphQLOperationBuilder.parses(text) else {
                throw GraphQLGuardError(description: "entry \(index + 1) is not a GraphQL document")
            }
            hashes.insert(sha256(text))
        }
        return hashes
    }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// What the guard decided about one request.
    public enum Outcome: Sendable {
        /// Let through; what it asks for, for the audit log and metrics.
        case pass(operation: String, cost: Int)
        case refuse(status: HTTPResponseStatus, message: String, headers: [(String, String)], operation: String?)
    }

    /// One operation of the request, as the client sent it.
    struct Sent {
        var query: String?
        var operationName: String?
        var persistedHash: String?
    }

    /// A POST's body (`application/json`: one operation or a batch; `application/graphql`: the document itself).
    public func check(post body: ByteBufferView, contentType: String?, caller: Principal?, client: String, route: String, limiter: any RateLimitStore) -> Outcome {
        let type = (contentType ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let sent: [Sent]
        switch type {
        case "application/json", "application/graphql+json":
            guard let parsed = try? JSONSerialization.jsonObject(with: Data(body)) else { return refuse(.badRequest, "the body is not JSON") }
            if let batch = parsed as? [Any] {
                guard !batch.isEmpty else { return refuse(.badRequest, "an empty batch") }
                guard batch.count <= policy.maxBatch else {
                    return refuse(.badRequest, policy.maxBatch == 1 ? "batched operations are not accepted" : "a batch of \(batch.count) operations (at most \(policy.maxBatch))")
                }
                let items = batch.compactMap { $0 as? [String: Any] }
                guard items.count == batch.count else { return refuse(.badRequest, "a batch entry is not an object") }
                sent = items.map(Self.sent)
            } else if let single = parsed as? [String: Any] {
                sent = [Self.sent(single)]
            } else {
                return refuse(.badRequest, "the body is neither an operation nor a batch")
            }
        case "application/graphql":
            sent = [Sent(query: String(decoding: body, as: UTF8.self))]
        default:
            // Form posts and text/plain are what a foreign page can make a browser send with the user's cookies.
            return refuse(.unsupportedMediaType, "GraphQL requests must be application/json")
        }
        return check(sent, get: false, caller: caller, client: client, route: route, limiter: limiter)
    }

    /// A GET's query string (`?query=…&operationName=…`).
    func check(get uri: String, caller: Principal?, client: String, route: String, limiter: any RateLimitStore) -> Outcome {
        guard policy.allowGet else { return refuse(.methodNotAllowed, "GraphQL over GET is not accepted: POST application/json", headers: [("Allow", "POST")]) }
        let items = URLComponents(string: uri)?.queryItems ?? []
        let value = { (name: String) in items.first { $0.name == name }?.value }
        return check([Sent(query: value("query"), operationName: value("operationName"))], get: true, caller: caller, client: client, route: route, limiter: limiter)
    }

    static func sent(_ object: [String: Any]) -> Sent {
        let persisted = ((object["extensions"] as? [String: Any])?["persistedQuery"] as? [String: Any])?["sha256Hash"] as? String
        return Sent(query: object["query"] as? String, operationName: object["operationName"] as? String, persistedHash: persisted?.lowercased())
    }

    private func check(_ operations: [Sent], get: Bool, caller: Principal?, client: String, route: String, limiter: any RateLimitStore) -> Outcome {
        var labels: [String] = []
        var cost = 0
        for sent in operations {
            guard let query = sent.query, !query.isEmpty else {
                // A persisted-query hash alone: the upstream looks the document up; only listed ones may be asked for.
                if let hash = sent.persistedHash, persisted?.contains(hash) ?? true { labels.append("persisted \(hash.prefix(12))"); continue }
                return refuse(.badRequest, sent.persistedHash == nil ? "no query" : "PersistedQueryNotFound")
            }
            if let persisted, !persisted.contains(Self.sha256(query)) { return refuse(.badRequest, "this document is not an allowed persisted query") }
            let shape: GraphQLQueryShape
            switch measure(query, operationName: sent.operationName) {
            case .success(let measured): shape = measured
            case .failure(let error): return refuse(.badRequest, error.description)
            }
            let label = shape.label
            // The standard introspection query is nested deeper than any sensible limit: a caller allowed to introspect
            // runs it whole (its cost is bounded by the schema), as long as the document asks for nothing else.
            let exempt = shape.introspection && shape.rootFields.allSatisfy { $0.hasPrefix("__") } && allowed(policy.introspection, caller)
            if !exempt, let problem = limitExceeded(shape) { return refuse(.badRequest, problem, operation: label) }
            if get && shape.operationType != "query" { return refuse(.methodNotAllowed, "\(shape.operationType)s are not accepted over GET", headers: [("Allow", "POST")], operation: label) }
            if shape.introspection && !allowed(policy.introspection, caller) { return refuse(.forbidden, "introspection is not allowed", operation: label) }
            for field in shape.rootFields {
                guard let rule = policy.operations[field] else { continue }
                if !rule.roles.isEmpty && (caller?.roles.isDisjoint(with: rule.roles) ?? true) {
                    return refuse(caller == nil ? .unauthorized : .forbidden, "not allowed to run \(field)", operation: label)
                }
                if let limit = rule.rateLimit, let refusal = take(limit, field: field, route: route, caller: caller, client: client, limiter: limiter) {
                    return refuse(.tooManyRequests, "too many \(field) operations", headers: refusal, operation: label)
                }
            }
            labels.append(label)
            cost += shape.cost
        }
        return .pass(operation: labels.joined(separator: "; "), cost: cost)
    }

    /// The document's shape, from the cache or measured now (documents too large to be worth keeping are not kept).
    func measure(_ document: String, operationName: String?) -> Result<GraphQLQueryShape, GraphQLQueryShape.Invalid> {
        let key = operationName.map { document + "\u{1F}" + $0 } ?? document
        if let known = shapes.withLockedValue({ $0[key] }) { return known }
        let measured = Result { () throws(GraphQLQueryShape.Invalid) in try GraphQLQueryShape(document: document, operationName: operationName, collectingFieldPaths: false) }
        guard key.utf8.count <= 16 * 1024 else { return measured }
        shapes.withLockedValue { cache in
            if cache.count >= Self.maximumCachedShapes { cache.removeAll(keepingCapacity: true) }
            cache[key] = measured
        }
        return measured
    }

    /// The first limit the document goes over, said the way the client should read it.
    func limitExceeded(_ shape: GraphQLQueryShape) -> String? {
        if shape.tokens > policy.maxTokens { return "query has \(shape.tokens) tokens (at most \(policy.maxTokens))" }
        if shape.depth > policy.maxDepth { return "query depth \(shape.depth) exceeds the limit of \(policy.maxDepth)" }
        if shape.aliases > policy.maxAliases { return "query has \(shape.aliases) aliases (at most \(policy.maxAliases))" }
        if shape.directives > policy.maxDirectives { return "query has \(shape.directives) directives (at most \(policy.maxDirectives))" }
        if shape.cost > policy.maxCost { return "query cost \(shape.cost) exceeds the limit of \(policy.maxCost)" }
        return nil
    }

    func allowed(_ access: GraphQLPolicy.Access, _ caller: Principal?) -> Bool {
        switch access {
        case .nobody: false
        case .everyone: true
        case .roles(let roles): !(caller?.roles.isDisjoint(with: roles) ?? true)
        }
    }

    /// Takes one from the operation's own bucket; the Retry-After header when it is empty.
    func take(_ rule: GatewayConfiguration.RateLimitRule, field: String, route: String, caller: Principal?, client: String, limiter: any RateLimitStore) -> [(String, String)]? {
        var key = "graphql|" + route + "|" + field
        for part in rule.key {
            switch part {
            case "ip": key += "|ip=" + client
            case "route": key += "|route"
            default: key += "|sub=" + (caller.map { $0.authenticator + ":" + $0.subject } ?? "-")
            }
        }
        let decision = limiter.take(key, rule.limit, now: Double(NIODeadline.now().uptimeNanoseconds) / 1e9)
        return decision.allowed ? nil : [("Retry-After", String(Int((decision.retryAfter ?? 1).rounded(.up))))]
    }

    private func refuse(_ status: HTTPResponseStatus, _ message: String, headers: [(String, String)] = [], operation: String? = nil) -> Outcome {
        .refuse(status: status, message: message, headers: headers, operation: operation)
    }

    /// The body of a refusal: GraphQL's error shape, so clients show the message as they show the server's own.
    static func errorBody(_ message: String, correlation: String) -> String {
        #"{"errors":[{"message":\#(JSONText.quoted(message)),"extensions":{"code":"REFUSED_BY_GATEWAY","correlation_id":"\#(correlation)"}}]}"#
    }

    // MARK: Answers

    /// Whether an answer may need cleaning: only then is it parsed (most answers are passed on as they are).
    func mayNeedCleaning(_ body: ByteBuffer) -> Bool {
        let view = body.readableBytesView
        return (policy.stripSuggestions && Self.contains(view, "Did you mean")) || (policy.stripDebug && (Self.contains(view, "stacktrace") || Self.contains(view, "\"tracing\"")
            || Self.contains(view, "\"exception\"")))
    }

    /// The answer without suggestions and debug output; nil when nothing had to change.
    public func clean(_ body: ByteBuffer) -> Data? {
        guard mayNeedCleaning(body), var answer = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else { return nil }
        if policy.stripDebug, var extensions = answer["extensions"] as? [String: Any] {
            extensions["tracing"] = nil
            answer["extensions"] = extensions.isEmpty ? nil : extensions
        }
        if var errors = answer["errors"] as? [[String: Any]] {
            for index in errors.indices {
                if policy.stripSuggestions, let message = errors[index]["message"] as? String, let cut = message.range(of: " Did you mean") {
                    errors[index]["message"] = String(message[..<cut.lowerBound])
                }
                if policy.stripDebug, var extensions = errors[index]["extensions"] as? [String: Any] {
                    for key in ["exception", "stacktrace", "stackTrace", "trace"] { extensions[key] = nil }
                    errors[index]["extensions"] = extensions.isEmpty ? nil : extensions
                }
            }
            answer["errors"] = errors
        }
        return try? JSONSerialization.data(withJSONObject: answer, options: [.withoutEscapingSlashes])
    }

    static func contains(_ view: ByteBufferView, _ needle: String) -> Bool {
        let bytes = Array(needle.utf8)
        guard let first = bytes.first, view.count >= bytes.count else { return false }
        var index = view.startIndex
        let last = view.endIndex - bytes.count
        while index <= last {
            if view[index] == first, view[index..<(index + bytes.count)].elementsEqual(bytes) { return true }
            index += 1
        }
        return false
    }
}

public struct GraphQLGuardError: Error, CustomStringConvertible {
    public var description: String
}
