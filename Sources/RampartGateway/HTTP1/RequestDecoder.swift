import NIOCore
import NIOHTTP1

/// Turns the bytes a client sends into requests: a head, the pieces of its body, its end; again for each
/// request on the connection. Heads over the limits, smuggling shapes and malformed framing are errors,
/// after which nothing more on the connection is read.
struct RequestDecoder {
    private var buffer: ByteBuffer?
    private var parser = HeadParser()
    private var body: BodyDecoder?
    private var failed = false
    /// How the body of the last request head returned is framed.
    private(set) var framing = BodyFraming.none

    /// Adds bytes read from the client.
    mutating func receive(_ bytes: ByteBuffer) {
        buffer.append(read: bytes)
    }

    /// The next part of a request, or nil until more bytes arrive.
    mutating func next(limits: RequestLimits) throws(HTTP1Error) -> ClientRequestPart? {
        guard !failed, buffer != nil else { return nil }
        do {
            if body != nil { return try .nextOfBody(&body, in: &buffer!) }
            return try head(limits: limits)
        } catch {
            failed = true
            buffer = nil
            throw error
        }
    }

    private mutating func head(limits: RequestLimits) throws(HTTP1Error) -> ClientRequestPart? {
        // RFC 9112 §2.2: blank lines before a request line are ignored (some clients send one after a body).
        while buffer!.readableBytes >= 2, buffer!.getInteger(at: buffer!.readerIndex, as: UInt16.self) == 0x0D0A { buffer!.moveReaderIndex(forwardBy: 2) }
        // The request line and the headers may each be as long as their limit (414 and 431 tell which is over it).
        let maximum = limits.maxURILength + limits.maxHeaderBytes + 64
        let length: Int
        do {
            guard let found = try parser.headLength(in: buffer!, maximum: maximum, status: .requestHeaderFieldsTooLarge) else { return nil }
            length = found
        } catch {
            throw requestLineTooLong(limits) ?? error
        }
        let head = try Self.parse(buffer!.readSlice(length: length)!, parser: &parser)
        // The framing checks leave one way to read the body: a single `chunked`, or one plain length, or none.
        switch RequestGuard.checkFraming(head.headers, limits: limits) {
        case .failure(let rejection): throw HTTP1Error(rejection.status, rejection.reason)
        case .success(let found): framing = found
        }
        body = BodyDecoder(framing, maximum: limits.maxBodyBytes)
        return .head(head)
    }

    /// 414 rather than 431 when it is the request line that never ends.
    private func requestLineTooLong(_ limits: RequestLimits) -> HTTP1Error? {
        let lineEnd: Int? = buffer!.withUnsafeReadableBytes { $0.firstIndex(of: 0x0A) }
        guard (lineEnd ?? buffer!.readableBytes) > limits.maxURILength + 16 else { return nil }
        return HTTP1Error(.uriTooLong, "request target longer than \(limits.maxURILength) bytes")
    }

    /// `METHOD SP target SP HTTP/x.y` and the headers.
    static func parse(_ head: ByteBuffer, parser: inout HeadParser) throws(HTTP1Error) -> RequestHead {
        let (method, target, version, fields) = try head.withUnsafeReadableBytes { bytes throws(HTTP1Error) in
            let (firstLine, fields) = try parser.lines(bytes)
            let line = UnsafeRawBufferPointer(rebasing: bytes[firstLine])
            guard let firstSpace = line.firstIndex(of: 0x20), firstSpace > 0,
                  let lastSpace = line.lastIndex(of: 0x20), lastSpace > firstSpace + 1 else {
                throw HTTP1Error(.badRequest, "malformed request line")
            }
            guard line[0..<firstSpace].allSatisfy(HeadParser.isTokenByte) else { throw HTTP1Error(.badRequest, "malformed method") }
            // The target is visible ASCII only: spaces, controls and raw non-ASCII bytes must be percent-encoded.
            for index in firstSpace + 1..<lastSpace where line[index] <= 0x20 || line[index] >= 0x7F {
                throw HTTP1Error(.badRequest, "malformed request target")
            }
            guard let version = HeadParser.version(UnsafeRawBufferPointer(rebasing: line[(lastSpace + 1)...])) else {
                throw HTTP1Error(.badRequest, "malformed HTTP version")
            }
            return (String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<firstSpace]), as: UTF8.self),
                    String(decoding: UnsafeRawBufferPointer(rebasing: line[(firstSpace + 1)..<lastSpace]), as: UTF8.self), version, fields)
        }
        let headers = RawHeaders(head: head, fields: fields)
        return RequestHead(method: HTTPMethod(rawValue: method), uri: target, version: version, headers: headers, connection: headers.connectionOptions())
    }
}

/// A client's request head: its request line as text, its headers as they arrived (a header becomes text only
/// when a policy asks for it; the upstream is sent the kept ones byte for byte).
struct RequestHead: Sendable {
    var method: HTTPMethod
    var uri: String
    var version: HTTPVersion
    var headers: RawHeaders
    /// What its `Connection` headers say, read once by the decoder.
    var connection: ConnectionOptions

    /// Whether the client keeps the connection open after the answer.
    var isKeepAlive: Bool { connection.keepsAlive(version) }

    /// The head as NIO's type, for what keeps or reports a request (sampled traffic, API descriptions).
    var text: HTTPRequestHead { HTTPRequestHead(version: version, method: method, uri: uri, headers: headers.text) }
}

/// A part of a client's request.
typealias ClientRequestPart = MessagePart<RequestHead>
