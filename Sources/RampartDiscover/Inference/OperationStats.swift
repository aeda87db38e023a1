import Foundation

/// How a request proved who sent it.
public enum AuthScheme: String, CaseIterable, Codable, Sendable, Comparable {
    case none, bearer, basic, apiKey = "api-key", cookie, mtls, unknown

    public static func < (lhs: AuthScheme, rhs: AuthScheme) -> Bool { lhs.rawValue < rhs.rawValue }

    static let apiKeyHeaders: Set<String> = ["x-api-key", "api-key", "apikey", "x-apikey", "x-auth-token", "x-access-token"]
    static let apiKeyParameters: Set<String> = ["api_key", "apikey", "api-key", "key", "access_token", "token", "auth"]
    static let sessionCookies = ["session", "sid", "jsessionid", "phpsessid", "connect.sid", "auth", "token", "jwt"]

    static func isAPIKeyParameter(_ name: String) -> Bool {
        apiKeyParameters.contains(name) || (name.utf8.contains { $0 >= 65 && $0 <= 90 } && apiKeyParameters.contains(name.lowercased()))
    }

    static func of(_ record: TrafficRecord) -> AuthScheme {
        if record.query.contains(where: { isAPIKeyParameter($0.name) }) { return .apiKey }
        guard let headers = record.requestHeaders else { return record.identity == nil ? .unknown : .basic }
        if let authorization = headers.first(where: { $0.name == "authorization" })?.value.lowercased() {
            if authorization.hasPrefix("bearer ") { return .bearer }
            if authorization.hasPrefix("basic ") { return .basic }
            return .apiKey
        }
        if headers.contains(where: { apiKeyHeaders.contains($0.name) }) { return .apiKey }
        if let cookie = headers.first(where: { $0.name == "cookie" })?.value.lowercased(),
           cookie.split(separator: ";").contains(where: { pair in sessionCookies.contains { pair.trimmingPrefix(" ").hasPrefix($0) } }) {
            return .cookie
        }
        if record.identity?.hasPrefix("mtls:") == true { return .mtls }
        return .none
    }
}

/// Where in an operation's traffic a sensitive value was seen.
public struct SensitiveSighting: Hashable, Codable, Sendable, Comparable {
    /// `request query`, `request header`, `request body`, `response body`, `response header`.
    public var place: String
    /// The parameter, header or JSON path (`$.card.number`).
    public var name: String
    public var kind: SensitiveKind

    public static func < (lhs: SensitiveSighting, rhs: SensitiveSighting) -> Bool {
        (lhs.place, lhs.name, lhs.kind) < (rhs.place, rhs.name, rhs.kind)
    }
}

/// What one parameter's values looked like.
struct ParameterStats {
    var count = 0
    var types: SchemaBuilder

    init(name: String) { types = SchemaBuilder(name: name) }

    init(count: Int, types: SchemaBuilder) {
        self.count = count
        self.types = types
    }
    /// Types are inferred from the first values; a million more of the same would only cost time.
    static let typedSamples = 1_000

    mutating func add(_ value: String) {
        count += 1
        if count <= Self.typedSamples { types.add(Self.typed(value)) }
    }

    /// A query string has no types: `42` is taken as an integer, `true` as a boolean.
    static func typed(_ value: String) -> Any {
        if let integer = Int(value), String(integer) == value { return NSNumber(value: integer) }
        if let double = Double(value), value.contains("."), double.isFinite { return NSNumber(value: double) }
        if value == "true" || value == "false" { return NSNumber(value: value == "true") }
        return value
    }
}

/// Everything seen of one method on one path template.
final class OperationStats {
    var count = 0
    var statuses: [Int: Int] = [:]
    var query: [String: ParameterStats] = [:]
    var headers: [String: ParameterStats] = [:]
    var auth: [AuthScheme: Int] = [:]
    /// Requests without any credential that got a 2xx answer.
    var unauthenticatedSuccesses = 0
    var clients: Set<String> = []
    var firstSeen: Double?
    var lastSeen: Double?
    var requestBody: SchemaBuilder?
    var requestContentTypes: Set<String> = []
    var responses: [Int: SchemaBuilder] = [:]
    var responseContentTypes: [Int: String] = [:]
    var sensitive: [SensitiveSighting: Int] = [:]

    /// Distinct clients are counted up to this many, then "at least".
    static let clientLimit = 10_000

    /// Standard request headers (browsers and HTTP itself send them) are not parameters of the API.
    static let standardHeaders: Set<String> = [
        "accept", "accept-encoding", "accept-language", "authorization", "cache-control", "connection", "content-length", "content-type", "cookie",
        "host", "origin", "pragma", "referer", "user-agent", "if-none-match", "if-modified-since", "te", "upgrade-insecure-requests", "dnt",
        "x-requested-with", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-real-ip", "forwarded", "via", "priority", "purpose",
        "x-correlation-id", "x-request-id", "traceparent", "tracestate", "content-encoding", "transfer-encoding", "expect", "range", "if-match",
        "if-range", "if-unmodified-since", "keep-alive", "proxy-authorization", "accept-charset", "x-api-key", "api-key", "apikey", "x-apikey",
        "x-auth-token", "x-access-token",
    ]

    func add(_ record: TrafficRecord) {
        count += 1
        statuses[record.status, default: 0] += 1
        let scheme = AuthScheme.of(record)
        auth[scheme, default: 0] += 1
        if scheme == .none && (200..<300).contains(record.status) { unauthenticatedSuccesses += 1 }
        if let client = record.client, clients.count < Self.clientLimit { clients.insert(client) }
        if let time = record.time {
            firstSeen = min(firstSeen ?? time, time)
            lastSeen = max(lastSeen ?? time, time)
        }
        for (name, value) in record.query {
            query[name, default: ParameterStats(name: name)].add(value)
            if let kind = SensitiveData.classify(name: name, value: value) { sensitive[SensitiveSighting(place: "request query", name: name, kind: kind), default: 0] += 1 }
        }
        for (name, value) in record.requestHeaders ?? [] where !name.hasPrefix(":") {
            if !Self.standardHeaders.contains(name) && !name.hasPrefix("sec-") { headers[name, default: ParameterStats(name: name)].add(value) }
            if name != "authorization" && name != "cookie" && !AuthScheme.apiKeyHeaders.contains(name),
               let kind = SensitiveData.classify(name: name, value: value) {
                sensitive[SensitiveSighting(place: "request header", name: name, kind: kind), default: 0] += 1
            }
        }
        if let body = record.requestBody, !body.isEmpty {
            if let type = record.requestContentType { requestContentTypes.insert(Self.mediaType(type)) }
            if let json = Self.json(body, contentType: record.requestContentType) {
                let builder = requestBody ?? SchemaBuilder()
                requestBody = builder
                builder.add(json)
                scan(json, place: "request body", path: "$")
            }
        }
        if let body = record.responseBody, !body.isEmpty {
            if let type = record.responseContentType { responseContentTypes[record.status] = Self.mediaType(type) }
            if let json = Self.json(body, contentType: record.responseContentType) {
                let builder = responses[record.status] ?? SchemaBuilder()
                responses[record.status] = builder
                builder.add(json)
                scan(json, place: "response body", path: "$")
            }
        } else if record.responseBody == nil, let type = record.responseContentType {
            responseContentTypes[record.status] = Self.mediaType(type)
        }
    }

    /// Walks a JSON body for sensitive values, naming each by its JSON path (array indexes as `[]`).
    private func scan(_ value: Any, place: String, path: String, depth: Int = 0) {
        guard depth < 12 else { return }
        switch value {
        case let object as [String: Any]:
            for (key, child) in object { scan(child, place: place, path: path + "." + key, depth: depth + 1) }
        case let array as [Any]:
            for child in array.prefix(20) { scan(child, place: place, path: path + "[]", depth: depth + 1) }
        case let string as String:
            let name = path.split(separator: ".").last.map(String.init) ?? path
            if let kind = SensitiveData.classify(name: name, value: string) { sensitive[SensitiveSighting(place: place, name: path, kind: kind), default: 0] += 1 }
        default:
            break
        }
    }

    static func mediaType(_ contentType: String) -> String {
        String(contentType.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces).lowercased()
    }

    static func json(_ body: String, contentType: String?) -> Any? {
        let type = contentType.map(mediaType) ?? ""
        guard type.contains("json") || (type.isEmpty && (body.hasPrefix("{") || body.hasPrefix("["))) else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed])
    }

    func merge(_ other: OperationStats) {
        count += other.count
        statuses.merge(other.statuses, uniquingKeysWith: +)
        query.merge(other.query) { mine, theirs in ParameterStats(count: mine.count + theirs.count, types: mine.types) }
        headers.merge(other.headers) { mine, theirs in ParameterStats(count: mine.count + theirs.count, types: mine.types) }
        auth.merge(other.auth, uniquingKeysWith: +)
        unauthenticatedSuccesses += other.unauthenticatedSuccesses
        clients.formUnion(other.clients.prefix(max(0, Self.clientLimit - clients.count)))
        if let first = other.firstSeen { firstSeen = min(firstSeen ?? first, first) }
        if let last = other.lastSeen { lastSeen = max(lastSeen ?? last, last) }
        requestBody = requestBody ?? other.requestBody
        requestContentTypes.formUnion(other.requestContentTypes)
        responses.merge(other.responses) { mine, _ in mine }
        responseContentTypes.merge(other.responseContentTypes) { mine, _ in mine }
        sensitive.merge(other.sensitive, uniquingKeysWith: +)
    }
}
