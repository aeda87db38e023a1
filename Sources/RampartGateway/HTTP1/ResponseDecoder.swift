import NIOCore
import NIOHTTP1

/// Turns the bytes an upstream sends into responses: a head, the pieces of its body, its end. Interim
/// (1xx) answers are skipped: the gateway answers a client's `Expect` itself.
struct ResponseDecoder {
    private var buffer: ByteBuffer?
    private var parser = HeadParser()
    private var body: BodyDecoder?
    /// The answer is to a HEAD request: whatever its headers say, no body follows.
    var answersHead = false

    /// The most header bytes an upstream may send.
    static let maximumHead = 64 * 1024

    mutating func receive(_ bytes: ByteBuffer) {
        buffer.append(read: bytes)
    }

    /// Bytes received beyond the message just decoded.
    var hasLeftover: Bool { (buffer?.readableBytes ?? 0) > 0 }

    /// The next part of a response, or nil until more bytes arrive.
    mutating func next() throws(HTTP1Error) -> UpstreamResponsePart? {
        guard buffer != nil else { return nil }
        if body != nil { return try .nextOfBody(&body, in: &buffer!) }
        guard let head = try finalHead() else { return nil }
        body = BodyDecoder(head.framing)
        return .head(head)
    }

    /// The next head that is not an interim (1xx) answer, or nil until it is complete. (Built whole, never changed
    /// after: a head changed in place was copied into the part returned, at a reference count per field.)
    private mutating func finalHead() throws(HTTP1Error) -> RawResponseHead? {
        while true {
            guard let length = try parser.headLength(in: buffer!, maximum: Self.maximumHead, status: .badGateway) else { return nil }
            let head = try Self.parse(buffer!.readSlice(length: length)!, answersHead: answersHead, parser: &parser)
            let status = head.status.code
            guard status >= 100 && status < 200 else { return head }
            guard status != 101 else { throw HTTP1Error(.badGateway, "upstream switched protocols") }
        }
    }

    /// The connection closed: the end of a body that runs until then, or nil if a message was cut short.
    mutating func closed() -> UpstreamResponsePart? {
        guard let body, body.endsAtClose else { return nil }
        self.body = nil
        return .end
    }

    /// `HTTP/x.y SP status SP reason` and the headers, left as bytes; how the body is framed (none for an answer to HEAD).
    static func parse(_ head: ByteBuffer, answersHead: Bool, parser: inout HeadParser) throws(HTTP1Error) -> RawResponseHead {
        let (version, status, fields) = try head.withUnsafeReadableBytes { bytes throws(HTTP1Error) in
            let (firstLine, fields) = try parser.lines(bytes)
            let line = UnsafeRawBufferPointer(rebasing: bytes[firstLine])
            guard line.count >= 12, let version = HeadParser.version(UnsafeRawBufferPointer(rebasing: line[0..<8])), line[8] == 0x20,
                  line[9...11].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), line[9] != 0x30, line.count == 12 || line[12] == 0x20 else {
                throw HTTP1Error(.badGateway, "malformed status line from upstream")
            }
            let code = line[9...11].reduce(0) { $0 * 10 + Int($1 - 0x30) }
            let reason = line.count > 13 ? String(decoding: UnsafeRawBufferPointer(rebasing: line[13...]), as: UTF8.self) : ""
            return (version, HTTPResponseStatus(statusCode: code, reasonPhrase: reason), fields)
        }
        let headers = RawHeaders(head: head, fields: fields)
        var framing = BodyFraming.none
        if !answersHead && status.code != 204 && status.code != 304 && status.code >= 200 {
            guard let found = headers.bodyFraming(withoutLength: .untilClose) else { throw HTTP1Error(.badGateway, "malformed Content-Length from upstream") }
            framing = found
        }
        return RawResponseHead(version: version, status: status, headers: headers, framing: framing, connection: headers.connectionOptions())
    }
}
