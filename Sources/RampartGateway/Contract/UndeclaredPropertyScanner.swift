/// Finds whether a JSON answer has any property its schema does not declare, reading the bytes once without
/// building objects: a compliant answer (the usual case) costs a scan; only one with undeclared properties is
/// parsed and rewritten. Not a validator: malformed JSON simply reports "maybe" and goes to the full parse.
struct UndeclaredPropertyScanner {
    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    private init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// False when the answer surely has no undeclared property; true when it has one, or cannot be read this way.
    static func mayHaveUndeclared(_ body: UnsafeRawBufferPointer, schema: SchemaValidator) -> Bool {
        var scanner = UndeclaredPropertyScanner(body)
        guard let found = scanner.value(schema, depth: 0) else { return true }
        return found
    }

    /// Whether the value starting here has an undeclared property (nil: not readable as JSON).
    private mutating func value(_ schema: SchemaValidator?, depth: Int) -> Bool? {
        guard depth < SchemaValidator.maximumDepth else { return nil }
        skipSpace()
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            let declared = schema?.declared
            return elements(closedBy: UInt8(ascii: "}")) { scanner in
                guard let key = scanner.string() else { return nil }
                scanner.skipSpace()
                guard scanner.index < scanner.bytes.count, scanner.bytes[scanner.index] == UInt8(ascii: ":") else { return nil }
                scanner.index += 1
                let property = declared?.properties[key]
                let undeclared = declared.map { $0.closed && property == nil } ?? false
                return scanner.value(property, depth: depth + 1).map { $0 || undeclared }
            }
        case UInt8(ascii: "["):
            return elements(closedBy: UInt8(ascii: "]")) { scanner in scanner.value(schema?.items, depth: depth + 1) }
        case UInt8(ascii: "\""):
            return string() == nil ? nil : false
        default:
            // A number, true, false or null: up to the next delimiter.
            let start = index
            while index < bytes.count, !Self.endsScalar(bytes[index]) { index += 1 }
            return index > start ? false : nil
        }
    }

    /// The elements of an object or array up to `closing` (the opening bracket is at `index`), each read by
    /// `element`: whether any has an undeclared property (nil: not readable as JSON).
    private mutating func elements(closedBy closing: UInt8, _ element: (inout Self) -> Bool?) -> Bool? {
        index += 1
        skipSpace()
        if index < bytes.count && bytes[index] == closing { index += 1; return false }
        var found = false
        while true {
            skipSpace()
            guard let inner = element(&self) else { return nil }
            found = found || inner
            skipSpace()
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == closing { index += 1; return found }
            return nil
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }

    private static func endsScalar(_ byte: UInt8) -> Bool {
        isSpace(byte) || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]")
    }

    /// A string's text (escapes kept as they are: a key with escapes simply does not match a declared name).
    private mutating func string() -> String? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        index += 1
        let start = index
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""):
                defer { index += 1 }
                return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            default: index += 1
            }
        }
        return nil
    }

    private mutating func skipSpace() {
        while index < bytes.count, Self.isSpace(bytes[index]) { index += 1 }
    }
}
