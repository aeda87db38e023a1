import NIOCore
import NIOHTTP1

/// Writes HTTP/1.1 heads and frames bodies: a chunked body is re-chunked piece by piece (decoders hand
/// bodies on as plain data), any other body goes out as it is.
enum MessageWriter {
    static func requestHead(_ head: UpstreamRequestHead, buffers: inout RecycledBuffer) -> ByteBuffer {
        let method = head.method.rawValue
        let maximum = method.utf8.count + head.uri.utf8.count + 12 + head.headers.maximumByteCount
        var buffer = buffers.take(capacity: maximum)
        buffer.writeHead(maximum: maximum) { writer in
            writer.append(method)
            writer.append(UInt8(ascii: " "))
            writer.append(head.uri)
            writer.append(" HTTP/1.1\r\n")
            head.headers.write(into: &writer)
        }
        return buffer
    }

    /// A response head; `extra` more bytes of room are left after it (for a body written next).
    static func responseHead(version: HTTPVersion, status: HTTPResponseStatus, headers: HeaderRewrite, buffers: inout RecycledBuffer,
                             extra: Int = 0) -> ByteBuffer {
        let reason = status.reasonPhrase
        let maximum = 15 + reason.utf8.count + headers.maximumByteCount
        var buffer = buffers.take(capacity: maximum + extra)
        buffer.writeHead(maximum: maximum) { writer in
            writer.append(version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
            // Statuses have three digits (the decoder and the gateway's own answers make no others).
            let code = Int(status.code) % 1000
            writer.append(UInt8(truncatingIfNeeded: 0x30 + code / 100))
            writer.append(UInt8(truncatingIfNeeded: 0x30 + code / 10 % 10))
            writer.append(UInt8(truncatingIfNeeded: 0x30 + code % 10))
            writer.append(UInt8(ascii: " "))
            writer.append(reason)
            writer.append("\r\n")
            headers.write(into: &writer)
        }
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

/// The buffer of a connection's last message head, used again for the next head once the socket has written it:
/// two allocations fewer per head. A head still waiting to be written is never touched (the next one gets new room).
struct RecycledBuffer {
    private let allocator = ByteBufferAllocator()
    private var spare: ByteBuffer?
    /// Larger buffers (a short body written with its head) are not kept: a thousand idle connections keep a thousand.
    static let largestKept = 4096

    /// An empty buffer with room for `capacity` bytes.
    mutating func take(capacity: Int) -> ByteBuffer {
        guard var buffer = spare.take() else { return allocator.buffer(capacity: capacity) }
        // Storage the socket still holds is left to it: `clear` then allocates.
        buffer.clear(minimumCapacity: capacity)
        return buffer
    }

    /// Keeps a buffer just handed to the socket, for the next `take`.
    mutating func recycle(_ buffer: ByteBuffer) {
        if buffer.capacity <= Self.largestKept { spare = buffer }
    }
}

/// Fills room reserved once in a buffer with plain copies: a message head is dozens of small pieces, and a
/// `ByteBuffer` write per piece costs an exclusivity and a uniqueness check each.
struct HeadBytesWriter {
    private let base: UnsafeMutableRawPointer
    private let capacity: Int
    private(set) var count = 0

    fileprivate init(_ room: UnsafeMutableRawBufferPointer) {
        base = room.baseAddress!
        capacity = room.count
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        precondition(count + bytes.count <= capacity, "head larger than its room")
        if let source = bytes.baseAddress { (base + count).copyMemory(from: source, byteCount: bytes.count) }
        count += bytes.count
    }

    mutating func append(_ text: String) {
        // Native strings lend their bytes in place (a `var` copy for `withUTF8` would cost a reference count).
        if text.utf8.withContiguousStorageIfAvailable({ append(UnsafeRawBufferPointer($0)) }) == nil {
            for byte in text.utf8 { append(byte) }
        }
    }

    mutating func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func append(_ byte: UInt8) {
        precondition(count < capacity, "head larger than its room")
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }
}

extension ByteBuffer {
    /// Writes a head of at most `maximum` bytes through one reservation of room.
    mutating func writeHead(maximum: Int, _ body: (inout HeadBytesWriter) -> Void) {
        writeWithUnsafeMutableBytes(minimumWritableBytes: maximum) { room in
            var writer = HeadBytesWriter(room)
            body(&writer)
            return writer.count
        }
    }
}

/// How the gateway frames one body it sends: as it is, or chunked.
enum OutgoingFraming {
    case plain
    case chunked

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
