/// One request and its answer, as any input describes it. Fields an input does not carry are nil or empty
/// (an access log has no headers, so its authentication is unknown).
public struct TrafficRecord: Sendable {
    public var method: String
    public var host: String?
    /// The path without its query string, still percent-encoded.
    public var path: String
    public var query: [(name: String, value: String)]
    public var status: Int
    /// Seconds since 1970, when the input says.
    public var time: Double?
    public var client: String?
    /// Request headers (names lower-cased); nil when the input has none.
    public var requestHeaders: [(name: String, value: String)]?
    public var responseHeaders: [(name: String, value: String)]?
    public var requestBody: String?
    public var requestContentType: String?
    public var responseBody: String?
    public var responseContentType: String?
    /// An identity the input names outright (the gateway's records, an access log's authenticated user).
    public var identity: String?

    public init(method: String, host: String? = nil, path: String, query: [(name: String, value: String)] = [], status: Int,
                time: Double? = nil, client: String? = nil, requestHeaders: [(name: String, value: String)]? = nil,
                responseHeaders: [(name: String, value: String)]? = nil, requestBody: String? = nil, requestContentType: String? = nil,
                responseBody: String? = nil, responseContentType: String? = nil, identity: String? = nil) {
        self.method = method
        self.host = host
        self.path = path
        self.query = query
        self.status = status
        self.time = time
        self.client = client
        self.requestHeaders = requestHeaders
        self.responseHeaders = responseHeaders
        self.requestBody = requestBody
        self.requestContentType = requestContentType
        self.responseBody = responseBody
        self.responseContentType = responseContentType
        self.identity = identity
    }

    /// Splits `/a/b?x=1&y` into the path and its decoded query parameters.
    static func splitTarget(_ target: Substring) -> (path: String, query: [(name: String, value: String)]) {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (String(target), []) }
        var query: [(name: String, value: String)] = []
        for pair in target.utf8[target.utf8.index(after: mark)...].split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            let name = percentDecoded(Substring(equals.map { pair[..<$0] } ?? pair))
            let value = equals.map { percentDecoded(Substring(pair[pair.index(after: $0)...])) } ?? ""
            if !name.isEmpty { query.append((name, value)) }
        }
        return (String(target[..<mark]), query)
    }

    /// `+` and `%XX` decoded; invalid escapes are kept as they are.
    static func percentDecoded(_ text: Substring) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), iterator.count >= 2, let high = hexValue(iterator[iterator.startIndex]),
                      let low = hexValue(iterator[iterator.startIndex + 1]) {
                bytes.append(high << 4 | low)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// One record (a HAR entry, a JSON line) that cannot be read; counted, never fatal.
struct RecordProblem: Error { var problem: String }

/// An input that cannot be read at all. Single bad lines are counted instead (see `ReadSummary`).
public struct DiscoverError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int?
    public var problem: String

    public init(file: String, line: Int? = nil, problem: String) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(problem)" }
}
