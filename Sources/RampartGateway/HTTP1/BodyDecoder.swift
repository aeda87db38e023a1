import NIOCore

/// A message in parts, as the gateway reads and writes them: its head, the pieces of its body, its end.
enum MessagePart<Head> {
    case head(Head)
    case body(ByteBuffer)
    case end

    var isHead: Bool {
        if case .head = self { true } else { false }
    }

    /// The next part of the body being read, if there is one (a finished body is forgotten); nil when more bytes are needed.
    static func nextOfBody(_ body: inout BodyDecoder?, in buffer: inout ByteBuffer) throws(HTTP1Error) -> MessagePart? {
        switch try body!.next(&buffer) {
        case .data(let piece): return .body(piece)
        case .end:
            body = nil
            return .end
        case nil: return nil
        }
    }
}

/// How a message's body ends.
enum BodyFraming: Equatable {
    case none
    case length(Int)
    case chunked
    /// A response body that ends when the upstream closes the connection.
    case untilClose
}

/// Reads one message body off the bytes of a connection, by its framing, and hands it on as plain data:
/// chunked bodies are decoded (strictly: hex sizes, CRLF after each chunk, trailers read and dropped).
struct BodyDecoder {
    enum Output {
        case data(ByteBuffer)
        case end
    }

    private enum State {
        case length(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkEnd
        case trailers
        case untilClose
        case done
    }

    private var state: State
    /// Bytes of body decoded so far, against `maximum`.
    private var total = 0
    private let maximum: Int

    /// The longest chunk-size line (with its extensions) and the most trailer bytes read.
    static let maximumChunkLine = 4096
    static let maximumTrailers = 16 * 1024

    init(_ framing: BodyFraming, maximum: Int = .max) {
        switch framing {
        case .none: state = .done
        case .length(let length): state = .length(remaining: length)
        case .chunked: state = .chunkSize
        case .untilClose: state = .untilClose
        }
        self.maximum = maximum
    }

    /// The body runs until the connection closes (so a close ends it rather than cutting it short).
    var endsAtClose: Bool {
        if case .untilClose = state { true } else { false }
    }

    /// The next piece of the body in `buffer`, `.end` once it is complete, or nil when more bytes are needed.
    mutating func next(_ buffer: inout ByteBuffer) throws(HTTP1Error) -> Output? {
        while true {
            switch state {
            case .done:
                return .end
            case .untilClose:
                guard buffer.readableBytes > 0 else { return nil }
                return .data(try take(buffer.readableBytes, from: &buffer))
            case .length(let remaining):
                if remaining == 0 {
                    state = .done
                    return .end
                }
                guard buffer.readableBytes > 0 else { return nil }
                let piece = try take(min(remaining, buffer.readableBytes), from: &buffer)
                state = .length(remaining: remaining - piece.readableBytes)
                return .data(piece)
            case .chunkData(let remaining):
                guard buffer.readableBytes > 0 else { return nil }
                let piece = try take(min(remaining, buffer.readableBytes), from: &buffer)
                state = remaining == piece.readableBytes ? .chunkEnd : .chunkData(remaining: remaining - piece.readableBytes)
                return .data(piece)
            case .chunkEnd:
                guard buffer.readableBytes >= 2 else { return nil }
                guard buffer.readInteger(as: UInt16.self) == 0x0D0A else { throw HTTP1Error(.badRequest, "chunk not followed by CRLF") }
                state = .chunkSize
            case .chunkSize:
                guard let line = try Self.line(in: &buffer, maximum: Self.maximumChunkLine) else { return nil }
                let size = try Self.chunkSize(line)
                state = size == 0 ? .trailers : .chunkData(remaining: size)
            case .trailers:
                guard let line = try Self.line(in: &buffer, maximum: Self.maximumTrailers) else { return nil }
                if line.readableBytes == 0 {
                    state = .done
                    return .end
                }
                // Trailers are checked like headers, then dropped: nothing behind the gateway is told what a body's end said.
                _ = try line.withUnsafeReadableBytes { bytes throws(HTTP1Error) in try HeadParser.header(bytes) }
                total += line.readableBytes
                guard total <= maximum + Self.maximumTrailers else { throw HTTP1Error(.requestHeaderFieldsTooLarge, "trailers too large") }
            }
        }
    }

    private mutating func take(_ count: Int, from buffer: inout ByteBuffer) throws(HTTP1Error) -> ByteBuffer {
        total += count
        guard total <= maximum else { throw HTTP1Error(.payloadTooLarge, "body larger than \(maximum) bytes") }
        return buffer.readSlice(length: count)!
    }

    /// One CRLF-terminated line (without the CRLF), or nil while it is incomplete.
    private static func line(in buffer: inout ByteBuffer, maximum: Int) throws(HTTP1Error) -> ByteBuffer? {
        let end: Int? = buffer.withUnsafeReadableBytes { $0.firstIndex(of: 0x0A) }
        guard let end else {
            if buffer.readableBytes > maximum { throw HTTP1Error(.badRequest, "chunk line too long") }
            return nil
        }
        guard end > 0, buffer.getInteger(at: buffer.readerIndex + end - 1, as: UInt8.self) == 0x0D else {
            throw HTTP1Error(.badRequest, "LF without CR in a chunked body")
        }
        let line = buffer.readSlice(length: end - 1)!
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }

    /// The hex size of a chunk-size line; extensions after `;` are allowed but must not hide controls.
    private static func chunkSize(_ line: ByteBuffer) throws(HTTP1Error) -> Int {
        try line.withUnsafeReadableBytes { bytes throws(HTTP1Error) -> Int in
            var size = 0
            var digits = 0
            var index = 0
            while index < bytes.count, let value = hexValue(bytes[index]) {
                // More than 15 hex digits would overflow; no real chunk is that large.
                guard digits < 15 else { throw HTTP1Error(.badRequest, "chunk size too large") }
                size = size << 4 | value
                digits += 1
                index += 1
            }
            guard digits > 0 else { throw HTTP1Error(.badRequest, "malformed chunk size") }
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
            if index < bytes.count {
                guard bytes[index] == UInt8(ascii: ";") else { throw HTTP1Error(.badRequest, "malformed chunk size") }
                for byte in bytes[index...] where byte < 0x20 && byte != 0x09 || byte == 0x7F {
                    throw HTTP1Error(.badRequest, "control character in a chunk extension")
                }
            }
            return size
        }
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: Int(byte - 0x30)
        case 0x41...0x46: Int(byte - 0x41 + 10)
        case 0x61...0x66: Int(byte - 0x61 + 10)
        default: nil
        }
    }
}

extension ByteBuffer? {
    /// Adds bytes read from a connection to those not decoded yet; when none are left, the read buffer is
    /// taken over as it is, without a copy.
    mutating func append(read bytes: ByteBuffer) {
        if self == nil || self!.readableBytes == 0 {
            self = bytes
        } else {
            var bytes = bytes
            self!.writeBuffer(&bytes)
        }
    }
}
