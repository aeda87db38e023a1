import NIOCore
import NIOHTTP1

/// Writes HTTP/1.1 heads and frames bodies: a chunked body is re-chunked piece by piece (decoders hand
/// bodies on as plain data), any other body goes out as it is.
enum MessageWriter {
    static func requestHead(_ head: UpstreamRequestHead, allocator: ByteBufferAllocator) -> ByteBuffer {
        // Room for a bearer token and the forwarding headers without growing.
        var buffer = allocator.buffer(capacity: 1024)
        buffer.writeString(head.method.rawValue)
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(head.uri)
        buffer.writeStaticString(" HTTP/1.1\r\n")
        head.headers.write(into: &buffer)
        return buffer
    }

    static func responseHead(version: HTTPVersion, status: HTTPResponseStatus, headers: HeaderRewrite, allocator: ByteBufferAllocator,
                             capacity: Int = 512) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: capacity)
        buffer.writeStaticString(version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        buffer.writeString(String(status.code))
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(status.reasonPhrase)
        buffer.writeStaticString("\r\n")
        headers.write(into: &buffer)
        return buffer
    }

    /// One piece of a chunked body (the size line, the data, its CRLF) written into `buffer`.
    static func chunk(_ data: ByteBuffer, into buffer: inout ByteBuffer) {
        buffer.writeString(String(data.readableBytes, radix: 16))
        buffer.writeStaticString("\r\n")
        var data = data
        buffer.writeBuffer(&data)
        buffer.writeStaticString("\r\n")
    }

    static let lastChunk: StaticString = "0\r\n\r\n"
}

/// How the gateway frames one body it sends: as it is, or chunked.
enum OutgoingFraming {
    case plain
    case chunked

    init(_ headers: HeaderRewrite) {
        let encoding = headers.first("transfer-encoding")?.split(separator: ",").last?.trimmingSpaces.lowercased()
        self = encoding == "chunked" ? .chunked : .plain
    }

    /// The bytes to write for a piece of the body.
    func frame(_ data: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        switch self {
        case .plain:
            return data
        case .chunked:
            var buffer = allocator.buffer(capacity: data.readableBytes + 12)
            MessageWriter.chunk(data, into: &buffer)
            return buffer
        }
    }

    /// The bytes that end the body, if any.
    func end(allocator: ByteBufferAllocator) -> ByteBuffer? {
        switch self {
        case .plain: nil
        case .chunked: allocator.buffer(staticString: MessageWriter.lastChunk)
        }
    }
}
