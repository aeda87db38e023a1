/// A JSON parser that records where every value starts.
///
/// Written by hand because no available library keeps source positions, which
/// line-exact findings need, and because most large API descriptions are JSON:
/// it works on raw UTF-8 bytes and allocates only for strings and containers.
public struct JSONReader {
    /// Deeper documents are refused rather than risking the stack.
    public static let maxDepth = 512

    private let bytes: [UInt8]
    private let file: String
    private var offset = 0
    private var line = 1
    private var lineStart = 0

    public static func parse(_ bytes: [UInt8], file: String) throws(SpecError) -> SpecNode {
        var reader = JSONReader(bytes: bytes, file: file)
        return try reader.document()
    }

    private init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { offset = 3 }  // UTF-8 byte order mark
    }

    private mutating func document() throws(SpecError) -> SpecNode {
        skipWhitespace()
        let root = try value(depth: 0)
        skipWhitespace()
        if offset < bytes.count { throw error("unexpected \(describeCurrent()) after the end of the document") }
        return root
    }

    private func error(_ problem: String) -> SpecError {
        SpecError(file: file, line: line, column: offset - lineStart + 1, problem: "invalid JSON: \(problem)")
    }

    private func describeCurrent() -> String {
        guard offset < bytes.count else { return "end of file" }
        let b = bytes[offset]
        return b >= 0x20 && b < 0x7F ? "'\(Character(UnicodeScalar(b)))'" : "byte 0x\(String(b, radix: 16))"
    }

    private mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0D: offset += 1
            case 0x0A:
                offset += 1
                line += 1
                lineStart = offset
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws(SpecError) -> SpecNode {
        guard depth < Self.maxDepth else { throw error("nested deeper than \(Self.maxDepth) levels") }
        guard offset < bytes.count else { throw error("unexpected end of file, expected a value") }
        let startLine = line, startColumn = offset - lineStart + 1
        switch bytes[offset] {
        case UInt8(ascii: "{"):
            offset += 1
            var entries: [(key: String, node: SpecNode)] = []
            skipWhitespace()
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "}") {
                offset += 1
                return SpecNode(.object(entries), line: startLine, column: startColumn)
            }
            while true {
                skipWhitespace()
                guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else {
                    throw error("expected a quoted key, found \(describeCurrent())")
                }
                let keyLine = line, keyColumn = offset - lineStart + 1
                let key = try string()
                skipWhitespace()
                guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else {
                    throw error("expected ':' after key \"\(key)\", found \(describeCurrent())")
                }
                offset += 1
                skipWhitespace()
                let member = try value(depth: depth + 1)
                member.keyLine = Int32(clamping: keyLine)
                member.keyColumn = Int32(clamping: keyColumn)
                entries.append((key, member))
                skipWhitespace()
                guard offset < bytes.count else { throw error("unexpected end of file, expected ',' or '}'") }
                if bytes[offset] == UInt8(ascii: ",") { offset += 1; continue }
                if bytes[offset] == UInt8(ascii: "}") { offset += 1; break }
                throw error("expected ',' or '}' in object, found \(describeCurrent())")
            }
            return SpecNode(.object(entries), line: startLine, column: startColumn)
        case UInt8(ascii: "["):
            offset += 1
            var items: [SpecNode] = []
            skipWhitespace()
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") {
                offset += 1
                return SpecNode(.array(items), line: startLine, column: startColumn)
            }
            while true {
                skipWhitespace()
                items.append(try value(depth: depth + 1))
                skipWhitespace()
                guard offset < bytes.count else { throw error("unexpected end of file, expected ',' or ']'") }
                if bytes[offset] == UInt8(ascii: ",") { offset += 1; continue }
                if bytes[offset] == UInt8(ascii: "]") { offset += 1; break }
                throw error("expected ',' or ']' in array, found \(describeCurrent())")
            }
            return SpecNode(.array(items), line: startLine, column: startColumn)
        case UInt8(ascii: "\""):
            return SpecNode(.string(try string()), line: startLine, column: startColumn)
        case UInt8(ascii: "t"):
            try literal("true")
            return SpecNode(.bool(true), line: startLine, column: startColumn)
        case UInt8(ascii: "f"):
            try literal("false")
            return SpecNode(.bool(false), line: startLine, column: startColumn)
        case UInt8(ascii: "n"):
            try literal("null")
            return SpecNode(.null, line: startLine, column: startColumn)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return SpecNode(.number(try number()), line: startLine, column: startColumn)
        default:
            throw error("unexpected \(describeCurrent()), expected a value")
        }
    }

    private mutating func literal(_ word: String) throws(SpecError) {
        let count = word.utf8.count
        let matches = offset + count <= bytes.count && bytes[offset..<offset + count].elementsEqual(word.utf8)
        guard matches else { throw error("unexpected \(describeCurrent()), expected a value") }
        offset += count
    }

    private mutating func number() throws(SpecError) -> String {
        let start = offset
        if bytes[offset] == UInt8(ascii: "-") { offset += 1 }
        let digitsStart = offset
        while offset < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[offset]) { offset += 1 }
        guard offset > digitsStart else { throw error("a number needs digits after '-'") }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            offset += 1
            let fractionStart = offset
            while offset < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[offset]) { offset += 1 }
            guard offset > fractionStart else { throw error("a number needs digits after '.'") }
        }
        if offset < bytes.count, bytes[offset] | 0x20 == UInt8(ascii: "e") {
            offset += 1
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") { offset += 1 }
            let exponentStart = offset
            while offset < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[offset]) { offset += 1 }
            guard offset > exponentStart else { throw error("a number needs digits in its exponent") }
        }
        return String(decoding: bytes[start..<offset], as: UTF8.self)
    }

    /// Reads a quoted string; `offset` is at the opening quote.
    private mutating func string() throws(SpecError) -> String {
        offset += 1
        let start = offset
        // Fast path: no escapes, the common case in specs.
        while offset < bytes.count {
            let b = bytes[offset]
            if b == UInt8(ascii: "\"") {
                offset += 1
                return String(decoding: bytes[start..<offset - 1], as: UTF8.self)
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw error("control character inside a string (escape it)") }
            offset += 1
        }
        var scratch = Array(bytes[start..<offset])
        while offset < bytes.count {
            let b = bytes[offset]
            if b == UInt8(ascii: "\"") {
                offset += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if b < 0x20 { throw error("control character inside a string (escape it)") }
            guard b == UInt8(ascii: "\\") else {
                scratch.append(b)
                offset += 1
                continue
            }
            offset += 1
            guard offset < bytes.count else { break }
            let escaped = bytes[offset]
            offset += 1
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(escaped)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar), offset + 1 < bytes.count,
                   bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") {
                    offset += 2
                    let low = try hex4()
                    if (0xDC00..<0xE000).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                }
                // A lone surrogate cannot be represented; it becomes U+FFFD as in most parsers.
                scratch.append(contentsOf: Array(String(UnicodeScalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8))
            default:
                offset -= 1
                throw error("invalid escape '\\\(Character(UnicodeScalar(escaped)))' in a string")
            }
        }
        throw error("unterminated string")
    }

    private mutating func hex4() throws(SpecError) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw error("incomplete \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[offset]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            offset += 1
        }
        return value
    }
}
