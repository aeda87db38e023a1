import Glibc
import NIOCore
import NIOHTTP1

/// A message the gateway cannot read, with the status to answer (for a client) and why.
struct HTTP1Error: Error, Equatable {
    var status: HTTPResponseStatus
    var reason: String

    init(_ status: HTTPResponseStatus = .badRequest, _ reason: String) {
        self.status = status
        self.reason = reason
    }
}

/// Finds and splits HTTP/1.1 message heads on bytes, strictly: lines end in CRLF and nothing else, header
/// names are tokens right up to the colon, no obsolete line folding, no control characters. Anything a
/// lenient parser might read another way is an error, because the upstream behind the gateway may be one.
struct HeadParser {
    /// How far the current buffer has been searched for the blank line that ends a head, so a head that
    /// arrives a byte at a time is not searched from its start each time.
    private var searched = 0

    /// The length of the complete head at the start of `buffer` (blank line included), or nil while it is incomplete.
    /// Throws when more than `maximum` bytes arrive without one.
    mutating func headLength(in buffer: ByteBuffer, maximum: Int, status: HTTPResponseStatus) throws(HTTP1Error) -> Int? {
        let found: Int? = buffer.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress else { return nil }
            // Each LF from where the last search stopped may end the blank line (memchr skips the bytes between).
            var index = max(searched, 3)
            while index < bytes.count, let hit = memchr(base + index, 0x0A, bytes.count - index) {
                let lf = base.distance(to: UnsafeRawPointer(hit))
                if lf >= 3 && bytes[lf - 3] == 0x0D && bytes[lf - 2] == 0x0A && bytes[lf - 1] == 0x0D { return lf + 1 }
                index = lf + 1
            }
            searched = bytes.count
            return nil
        }
        if let found {
            searched = 0
            guard found <= maximum else { throw HTTP1Error(status, "head larger than \(maximum) bytes") }
            return found
        }
        if buffer.readableBytes > maximum { throw HTTP1Error(status, "head larger than \(maximum) bytes") }
        return nil
    }

    /// Where one header's name and value are, as offsets into its head; `lineEnd` is just after its CRLF.
    struct Field {
        var nameStart: Int
        var nameEnd: Int
        var valueStart: Int
        var valueEnd: Int
        var lineEnd: Int
    }

    /// The field list of the last head split, used again for the next one once nothing else holds it.
    private var spareFields: [Field] = []

    /// The lines of a head (without the blank line that ends it): the first line and each header, checked.
    /// (The list of headers is the last head's, cleared, unless that head is still held: an allocation fewer per head.)
    mutating func lines(_ head: UnsafeRawBufferPointer) throws(HTTP1Error) -> (firstLine: Range<Int>, fields: [Field]) {
        var fields = spareFields
        spareFields = []
        fields.removeAll(keepingCapacity: true)
        fields.reserveCapacity(16)
        let firstLine = try Self.lines(head, into: &fields)
        spareFields = fields
        return (firstLine, fields)
    }

    private static func lines(_ head: UnsafeRawBufferPointer, into fields: inout [Field]) throws(HTTP1Error) -> Range<Int> {
        // The head ends in CRLF CRLF (found by `headLength`); every line before it must end in CRLF too, and
        // hold no other CR or LF.
        var firstLine: Range<Int>?
        let end = head.count - 2
        var start = 0
        while start < end {
            guard let base = head.baseAddress, let hit = memchr(base + start, 0x0A, end - start) else {
                throw HTTP1Error(.badRequest, "CR without LF in the head")
            }
            let lf = base.distance(to: UnsafeRawPointer(hit))
            guard lf > start, head[lf - 1] == 0x0D else { throw HTTP1Error(.badRequest, "LF without CR in the head") }
            if memchr(base + start, 0x0D, lf - 1 - start) != nil { throw HTTP1Error(.badRequest, "CR without LF in the head") }
            if firstLine == nil {
                firstLine = start..<(lf - 1)
            } else {
                var field = try header(UnsafeRawBufferPointer(rebasing: head[start..<(lf - 1)]))
                field.nameStart += start
                field.nameEnd += start
                field.valueStart += start
                field.valueEnd += start
                field.lineEnd += start
                fields.append(field)
            }
            start = lf + 1
        }
        guard let firstLine else { throw HTTP1Error(.badRequest, "empty head") }
        return firstLine
    }

    /// One `name: value` line, checked: where its name and value are in it.
    static func header(_ line: UnsafeRawBufferPointer) throws(HTTP1Error) -> Field {
        guard let base = line.baseAddress, let hit = memchr(base, Int32(UInt8(ascii: ":")), line.count) else {
            if let first = line.first, first == 0x20 || first == 0x09 { throw HTTP1Error(.badRequest, "obsolete line folding") }
            throw HTTP1Error(.badRequest, "header line without a colon")
        }
        let colon = base.distance(to: UnsafeRawPointer(hit))
        guard colon > 0 else { throw HTTP1Error(.badRequest, "header line without a name") }
        let tokenBytes = Self.tokenBytes
        for index in 0..<colon where !tokenBytes.contains(line[index]) {
            let byte = line[index]
            throw HTTP1Error(.badRequest, byte == 0x20 || byte == 0x09 ? (index == 0 ? "obsolete line folding" : "whitespace before a header's colon")
                                                                      : "invalid header name")
        }
        var valueStart = colon + 1
        var valueEnd = line.count
        while valueStart < valueEnd, line[valueStart] == 0x20 || line[valueStart] == 0x09 { valueStart += 1 }
        while valueEnd > valueStart, line[valueEnd - 1] == 0x20 || line[valueEnd - 1] == 0x09 { valueEnd -= 1 }
        // Field values may hold visible characters, spaces, tabs and obs-text; never other controls. Eight bytes
        // at a time while none is below 0x20 or 0x7F (a tab is looked at again byte by byte, with the rest).
        var index = valueStart
        while index + 8 <= valueEnd {
            let word = (base + index).loadUnaligned(as: UInt64.self)
            let deleted = word ^ 0x7F7F_7F7F_7F7F_7F7F
            let below20 = (word &- 0x2020_2020_2020_2020) & ~word
            let equal7F = (deleted &- 0x0101_0101_0101_0101) & ~deleted
            if (below20 | equal7F) & 0x8080_8080_8080_8080 != 0 { break }
            index += 8
        }
        let controlBytes = Self.controlBytes
        for index in index..<valueEnd where controlBytes.contains(line[index]) {
            throw HTTP1Error(.badRequest, "control character in a header value")
        }
        return Field(nameStart: 0, nameEnd: colon, valueStart: valueStart, valueEnd: valueEnd, lineEnd: line.count + 2)
    }

    private static let controlBytes = ByteSet { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F }

    /// RFC 9110 token characters.
    static func isTokenByte(_ byte: UInt8) -> Bool { tokenBytes.contains(byte) }

    private static let tokenBytes = ByteSet { byte in
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }

    /// `HTTP/x.y`.
    static func version(_ bytes: UnsafeRawBufferPointer) -> HTTPVersion? {
        guard bytes.count == 8, bytes[0] == UInt8(ascii: "H"), bytes[1] == UInt8(ascii: "T"), bytes[2] == UInt8(ascii: "T"), bytes[3] == UInt8(ascii: "P"),
              bytes[4] == UInt8(ascii: "/"), bytes[6] == UInt8(ascii: "."),
              let major = digit(bytes[5]), let minor = digit(bytes[7]) else { return nil }
        return HTTPVersion(major: major, minor: minor)
    }

    private static func digit(_ byte: UInt8) -> Int? {
        (0x30...0x39).contains(byte) ? Int(byte - 0x30) : nil
    }
}

/// A set of byte values as 256 bits: a lookup is a shift and a mask (an array of flags costs a reference count
/// and a bounds check per byte).
struct ByteSet: Sendable {
    private let words: (UInt64, UInt64, UInt64, UInt64)

    init(_ member: (UInt8) -> Bool) {
        var words: [UInt64] = [0, 0, 0, 0]
        for byte in UInt8.min...UInt8.max where member(byte) { words[Int(byte >> 6)] |= 1 << UInt64(byte & 63) }
        self.words = (words[0], words[1], words[2], words[3])
    }

    func contains(_ byte: UInt8) -> Bool {
        let word = switch byte >> 6 {
        case 0: words.0
        case 1: words.1
        case 2: words.2
        default: words.3
        }
        return word & 1 << UInt64(byte & 63) != 0
    }
}
