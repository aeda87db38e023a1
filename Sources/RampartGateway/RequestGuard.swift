import NIOCore
import NIOHTTP1

/// Limits on what a request may look like before anything else looks at it.
public struct RequestLimits: Sendable {
    public var maxURILength = 8 * 1024
    public var maxHeaderCount = 100
    public var maxHeaderBytes = 16 * 1024
    public var maxBodyBytes = 10 * 1024 * 1024
    public var allowedMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    /// Seconds a connection may take to send a complete request head, counted from when the gateway starts
    /// waiting for one (a new connection, or the end of the previous response): slow-header (slowloris)
    /// clients and idle keep-alive connections are closed after it.
    public var headerTimeout: Double = 10
    /// Seconds allowed between two pieces of a request body (nginx's client_body_timeout).
    public var bodyTimeout: Double = 30
    /// Bytes per second a request body must average (after `bodyTimeout`'s allowance); 0 turns the floor off.
    public var minimumBodyRate = 500
    /// Refuse paths with a segment ending in a dot or a space (`/admin.`, `/admin%20`), which some upstreams strip.
    public var refuseTrailingDotsAndSpaces = true
    /// What to do with header names containing `_` (`Transfer_Encoding`), which some servers read as `-`.
    public var underscoreHeaders: UnderscoreHeaders = .drop

    public enum UnderscoreHeaders: String, Sendable { case refuse, drop, pass }

    public init() {}
}

/// Why a request is refused at the door, with the status to answer.
public struct Rejection: Error, Equatable, Sendable {
    public var status: HTTPResponseStatus
    public var reason: String

    public init(_ status: HTTPResponseStatus, _ reason: String) {
        self.status = status
        self.reason = reason
    }
}

/// Refuses request heads that proxies and upstreams could read differently (request smuggling),
/// and heads over the size limits.
public enum RequestGuard {
    /// Every check, for a head from anywhere: it is written out and read back as the gateway reads a client's.
    public static func check(_ head: HTTPRequestHead, limits: RequestLimits) -> Rejection? {
        for (name, value) in head.headers {
            guard isToken(name) else { return Rejection(.badRequest, "invalid header name") }
            guard !value.utf8.contains(where: { $0 == 0 || $0 == 0x0A || $0 == 0x0D }) else { return Rejection(.badRequest, "CR, LF or NUL in a header value") }
        }
        var bytes = ByteBuffer(string: "\(head.method.rawValue) \(head.uri) HTTP/\(head.version.major).\(head.version.minor)\r\n")
        for (name, value) in head.headers { bytes.writeString("\(name): \(value)\r\n") }
        bytes.writeString("\r\n")
        let read: RequestHead
        var parser = HeadParser()
        do { read = try RequestDecoder.parse(bytes, parser: &parser) } catch { return Rejection(error.status, error.reason) }
        if let rejection = checkRead(read, limits: limits) { return rejection }
        if case .failure(let rejection) = checkFraming(read.headers, limits: limits) { return rejection }
        return nil
    }

    /// The checks left for a head the gateway's `RequestDecoder` read, which already refused invalid header
    /// names, control characters in values and every other malformed line, and checked the framing.
    static func checkRead(_ head: RequestHead, limits: RequestLimits) -> Rejection? {
        guard head.version.major == 1, head.version.minor <= 1 else { return Rejection(.httpVersionNotSupported, "only HTTP/1.0 and 1.1") }
        guard head.uri.utf8.count <= limits.maxURILength else { return Rejection(.uriTooLong, "request target longer than \(limits.maxURILength) bytes") }
        guard limits.allowedMethods.contains(head.method.rawValue) else { return Rejection(.methodNotAllowed, "method \(head.method.rawValue) is not allowed") }
        guard head.headers.count <= limits.maxHeaderCount else { return Rejection(.requestHeaderFieldsTooLarge, "more than \(limits.maxHeaderCount) headers") }
        var bytes = 0
        var hosts = 0
        var emptyHost = false
        var unsupportedExpectation = false
        var authorizations = 0
        var underscored = false
        head.headers.forEach { name, value in
            bytes += name.count + value.count + 4
            underscored = underscored || name.contains(UInt8(ascii: "_"))
            if HeaderRewrite.sameName(name, "authorization") {
                authorizations += 1
            } else if HeaderRewrite.sameName(name, "host") {
                hosts += 1
                emptyHost = emptyHost || value.isEmpty || value.contains(UInt8(ascii: ","))
            } else if HeaderRewrite.sameName(name, "expect") {
                // RFC 9110: 100-continue is the only expectation there is (the gateway answers it itself).
                unsupportedExpectation = !HeaderRewrite.sameName(value, "100-continue")
            }
            return !unsupportedExpectation
        }
        if unsupportedExpectation { return Rejection(.expectationFailed, "unsupported expectation") }
        // Only one credential is verified; a second (a forged token riding along) must not reach the upstream.
        if authorizations > 1 { return Rejection(.badRequest, "more than one Authorization header") }
        if underscored && limits.underscoreHeaders == .refuse { return Rejection(.badRequest, "a header name with '_' (limits.underscore_headers: refuse)") }
        guard bytes <= limits.maxHeaderBytes else { return Rejection(.requestHeaderFieldsTooLarge, "headers larger than \(limits.maxHeaderBytes) bytes") }
        if head.version.minor == 1 && (hosts != 1 || emptyHost) { return Rejection(.badRequest, "HTTP/1.1 needs exactly one Host header") }
        return nil
    }

    /// One unambiguous way to find the end of the body: a single plain Content-Length, or `Transfer-Encoding: chunked` alone.
    static func checkFraming(_ headers: RawHeaders, limits: RequestLimits) -> Result<BodyFraming, Rejection> {
        // The first value of each, and how many there are.
        var lengths: (first: String?, count: Int) = (nil, 0)
        var encodings: (first: String?, count: Int) = (nil, 0)
        headers.forEach { name, value in
            if HeaderRewrite.sameName(name, "content-length") {
                lengths = (lengths.first ?? String(decoding: value, as: UTF8.self), lengths.count + 1)
            } else if HeaderRewrite.sameName(name, "transfer-encoding") {
                encodings = (encodings.first ?? String(decoding: value, as: UTF8.self), encodings.count + 1)
            }
            return true
        }
        if let encoding = encodings.first {
            guard lengths.count == 0 else { return .failure(Rejection(.badRequest, "both Content-Length and Transfer-Encoding")) }
            guard encodings.count == 1, encoding.trimmingSpaces.lowercased() == "chunked" else {
                return .failure(Rejection(.badRequest, "Transfer-Encoding other than a single 'chunked'"))
            }
            return .success(.chunked)
        }
        guard let text = lengths.first?.trimmingSpaces else { return .success(.none) }
        guard lengths.count == 1, let length = Int(text), text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return .failure(Rejection(.badRequest, "repeated or malformed Content-Length"))
        }
        guard length <= limits.maxBodyBytes else { return .failure(Rejection(.payloadTooLarge, "body larger than \(limits.maxBodyBytes) bytes")) }
        return .success(length > 0 ? .length(length) : .none)
    }

    /// RFC 9110 token characters.
    static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(HeadParser.isTokenByte)
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (header value whitespace), without Foundation's slow path.
    var trimmingSpaces: SubSequence {
        // On the bytes (no Character handling: this runs on every bearer token); native strings are contiguous.
        let bytes = utf8
        let trimmed: (start: Int, end: Int)? = bytes.withContiguousStorageIfAvailable { buffer in
            var start = 0
            var end = buffer.count
            while start < end, buffer[start] == 0x20 || buffer[start] == 0x09 { start += 1 }
            while end > start, buffer[end - 1] == 0x20 || buffer[end - 1] == 0x09 { end -= 1 }
            return (start, end)
        }
        guard let trimmed else {
            var text = self[...]
            while text.first == " " || text.first == "\t" { text.removeFirst() }
            while text.last == " " || text.last == "\t" { text.removeLast() }
            return text
        }
        return self[bytes.index(bytes.startIndex, offsetBy: trimmed.start)..<bytes.index(bytes.startIndex, offsetBy: trimmed.end)]
    }
}
