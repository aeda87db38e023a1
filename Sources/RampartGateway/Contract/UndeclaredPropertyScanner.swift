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
            index += 1
            var found = false
            let declared = schema?.declared
            skipSpace()
            if index < bytes.count && bytes[index] == UInt8(ascii: "}") { index += 1; return false }
            while true {
                skipSpace()
                guard let key = string() else { return nil }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                var property: SchemaValidator?
                if let declared {
                    property = declared.properties[key]
                    if property == nil && declared.closed { found = true }
                }
                guard let inner = value(property, depth: depth + 1) else { return nil }
                found = found || inner
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return found }
                return nil
            }
        case UInt8(ascii: "["):
            index += 1
            var found = false
            skipSpace()
            if index < bytes.count && bytes[index] == UInt8(ascii: "]") { index += 1; return false }
            while true {
                guard let inner = value(schema?.items, depth: depth + 1) else { return nil }
                found = found || inner
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return found }
                return nil
            }
        case UInt8(ascii: "\""):
            return string() == nil ? nil : false
        default:
            // A number, true, false or null: up to the next delimiter.
            let start = index
            while index < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
            return index > start ? false : nil
        }
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
        while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }
}
