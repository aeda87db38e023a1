/// One node of a parsed JSON or YAML document, with the line and column where it starts.
///
/// A class so that walkers can recognise a node they have already visited (by identity)
/// when `$ref`s form cycles.
public final class SpecNode: @unchecked Sendable {
    public enum Value {
        case object([(key: String, node: SpecNode)])
        case array([SpecNode])
        case string(String)
        /// The number as written: rules compare it, nothing does arithmetic on it.
        case number(String)
        case bool(Bool)
        case null
    }

    public let value: Value
    public let line: Int32
    public let column: Int32
    /// Where this node's key starts when it is an object member (0 otherwise). In block YAML the
    /// key is the line a reader looks for (`basic:`), one above the value's first line.
    public internal(set) var keyLine: Int32 = 0
    public internal(set) var keyColumn: Int32 = 0

    /// The key's position when there is one, else the value's.
    public var reportLine: Int { Int(keyLine > 0 ? keyLine : line) }
    public var reportColumn: Int { Int(keyLine > 0 ? keyColumn : column) }
    /// Key → entry index, built only for large objects where a linear scan would cost.
    private let index: [String: Int]?

    public init(_ value: Value, line: Int, column: Int) {
        self.value = value
        self.line = Int32(clamping: line)
        self.column = Int32(clamping: column)
        if case .object(let entries) = value, entries.count > 16 {
            var index = [String: Int](minimumCapacity: entries.count)
            for (i, entry) in entries.enumerated() where index[entry.key] == nil { index[entry.key] = i }
            self.index = index
        } else {
            self.index = nil
        }
    }

    public subscript(key: String) -> SpecNode? {
        guard case .object(let entries) = value else { return nil }
        if let index { return index[key].map { entries[$0].node } }
        return entries.first { $0.key == key }?.node
    }

    public var entries: [(key: String, node: SpecNode)] {
        if case .object(let entries) = value { return entries }
        return []
    }

    public var items: [SpecNode] {
        if case .array(let items) = value { return items }
        return []
    }

    public var isObject: Bool { if case .object = value { true } else { false } }

    public var string: String? {
        if case .string(let s) = value { return s }
        return nil
    }

    /// Strings, numbers and booleans as text (YAML writes `200:` and `version: 1.0` unquoted).
    public var scalarText: String? {
        switch value {
        case .string(let s), .number(let s): s
        case .bool(let b): b ? "true" : "false"
        default: nil
        }
    }

    public var bool: Bool? {
        if case .bool(let b) = value { return b }
        return nil
    }

    public var number: Double? {
        if case .number(let n) = value { return Double(n) }
        return nil
    }

    /// `["a", "b"]` or a lone `"a"` as a list of strings.
    public var strings: [String] {
        switch value {
        case .string(let s): [s]
        case .array(let items): items.compactMap(\.string)
        default: []
        }
    }
}

/// Errors while reading a document: always one line, naming the file and place.
public struct SpecError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var pointer: String?
    public var problem: String

    public init(file: String, line: Int? = nil, column: Int? = nil, pointer: String? = nil, problem: String) {
        self.file = file
        self.line = line
        self.column = column
        self.pointer = pointer
        self.problem = problem
    }

    public var description: String {
        var place = file
        if let line { place += ":\(line)" + (column.map { ":\($0)" } ?? "") }
        if let pointer { place += " (\(pointer.isEmpty ? "/" : pointer))" }
        return "\(place): \(problem)"
    }
}
