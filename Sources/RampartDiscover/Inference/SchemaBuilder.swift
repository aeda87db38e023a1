import Foundation
import RampartCore

/// A JSON Schema learned from samples: types merged across samples, properties required only when every
/// sampled object had them, string formats when every sample matched one, enums for small sets of strings.
final class SchemaBuilder {
    /// The property or parameter name the values travel under, if any: a credential name never gets an enum.
    let name: String
    private(set) var samples = 0
    private var types: Set<String> = []
    private var formats: [String: Int] = [:]
    private var strings = 0
    /// Distinct string values while there are few of them (nil once there are too many to be an enum).
    private var values: Set<String>? = []
    private var objects = 0
    private var properties: [String: SchemaBuilder] = [:]
    private var propertyOrder: [String] = []
    private var items: SchemaBuilder?
    private var minimum: Double?
    private var maximum: Double?

    init(name: String = "") {
        self.name = name
        // Passwords, tokens and keys are never listed, however few of them were seen.
        if SensitiveData.NameMeaning.of(name) != .other || AuthScheme.isAPIKeyParameter(name) { values = nil }
    }

    static let enumLimit = 6
    static let enumMinimumSamples = 8
    /// Objects with more keys than this are maps keyed by data (ids, dates), described by `additionalProperties`.
    static let propertyLimit = 200

    func add(_ value: Any) {
        samples += 1
        switch value {
        case is NSNull:
            types.insert("null")
        case let number as NSNumber where String(cString: number.objCType) == "c":  // JSON true/false
            types.insert("boolean")
        case let number as NSNumber:
            let double = number.doubleValue
            let objCType = String(cString: number.objCType)
            types.insert(objCType == "d" || objCType == "f" ? "number" : "integer")
            minimum = min(minimum ?? double, double)
            maximum = max(maximum ?? double, double)
        case let string as String:
            types.insert("string")
            strings += 1
            if let format = Self.format(of: string) { formats[format, default: 0] += 1 }
            if values != nil {
                // A value the classifier flags (a card number, an SSN, a JWT) is never written out as an enum member.
                if SensitiveData.classify(name: name, value: string) != nil {
                    values = nil
                    return
                }
                values!.insert(string)
                if values!.count > Self.enumLimit || string.count > 40 { values = nil }
            }
        case let array as [Any]:
            types.insert("array")
            let builder = items ?? SchemaBuilder()
            items = builder
            for element in array.prefix(50) { builder.add(element) }
        case let object as [String: Any]:
            types.insert("object")
            objects += 1
            for key in object.keys.sorted() where properties.count < Self.propertyLimit || properties[key] != nil {
                let builder = properties[key] ?? {
                    propertyOrder.append(key)
                    let fresh = SchemaBuilder(name: key)
                    properties[key] = fresh
                    return fresh
                }()
                builder.add(object[key]!)
            }
        default:
            break
        }
    }

    /// An OpenAPI 3.1 schema object.
    func schema() -> OrderedJSON {
        var fields: [(String, OrderedJSON)] = []
        var typeNames = types.sorted()
        if typeNames.contains("integer") && typeNames.contains("number") { typeNames.removeAll { $0 == "integer" } }
        if typeNames.count == 1 { fields.append(("type", .string(typeNames[0]))) } else if !typeNames.isEmpty { fields.append(("type", .array(typeNames.map(OrderedJSON.string)))) }
        if strings > 0, let (format, count) = formats.max(by: { $0.value < $1.value }), count == strings { fields.append(("format", .string(format))) }
        if strings > 0, strings >= Self.enumMinimumSamples, let values, values.count <= Self.enumLimit, formats.isEmpty {
            fields.append(("enum", .array(values.sorted().map(OrderedJSON.string))))
        }
        if types.contains("object") {
            if properties.count >= Self.propertyLimit {
                fields.append(("additionalProperties", .bool(true)))
            } else {
                fields.append(("properties", .object(propertyOrder.map { ($0, properties[$0]!.schema()) })))
                let required = propertyOrder.filter { properties[$0]!.samples == objects }
                if !required.isEmpty { fields.append(("required", .array(required.map(OrderedJSON.string)))) }
            }
        }
        if let items { fields.append(("items", items.schema())) }
        return .object(fields)
    }

    static func format(of string: String) -> String? {
        let bytes = Substring(string)
        switch SegmentKind.classify(bytes) {
        case .uuid: return "uuid"
        case .date: return "date"
        case .email: return "email"
        default: break
        }
        if string.count >= 20, string.count <= 35, Timestamp.iso8601(string) != nil, string.dropFirst(10).first == "T" { return "date-time" }
        if string.hasPrefix("https://") || string.hasPrefix("http://") { return "uri" }
        return nil
    }
}

/// A JSON value that keeps its keys in order, for the emitted spec.
public indirect enum OrderedJSON: Equatable, Sendable {
    case string(String), integer(Int), bool(Bool), array([OrderedJSON]), object([(String, OrderedJSON)])

    public static func == (lhs: OrderedJSON, rhs: OrderedJSON) -> Bool { lhs.json() == rhs.json() }

    public subscript(key: String) -> OrderedJSON? {
        if case .object(let fields) = self { return fields.first { $0.0 == key }?.1 }
        return nil
    }

    public func json(indent: String = "") -> String {
        switch self {
        case .string(let text): Self.quoted(text)
        case .integer(let number): String(number)
        case .bool(let flag): String(flag)
        case .array(let elements) where elements.isEmpty: "[]"
        case .object(let fields) where fields.isEmpty: "{}"
        case .array(let elements):
            "[\n" + elements.map { indent + "  " + $0.json(indent: indent + "  ") }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let fields):
            "{\n" + fields.map { indent + "  " + Self.quoted($0.0) + ": " + $0.1.json(indent: indent + "  ") }.joined(separator: ",\n") + "\n\(indent)}"
        }
    }

    /// Block-style YAML; every string is double-quoted (a JSON string is a valid YAML scalar), so no value can change type.
    public func yaml(indent: String = "") -> String {
        switch self {
        case .array(let elements) where !elements.isEmpty:
            return elements.map { element in
                let text = element.yaml(indent: indent + "  ")
                return indent + "- " + (element.isBlock ? String(text.drop { $0 == " " }) : text)
            }.joined(separator: "\n")
        case .object(let fields) where !fields.isEmpty:
            return fields.map { key, value in
                indent + Self.key(key) + ":" + (value.isBlock ? "\n" + value.yaml(indent: indent + "  ") : " " + value.json())
            }.joined(separator: "\n")
        default:
            return json()
        }
    }

    private var isBlock: Bool {
        switch self {
        case .array(let elements): !elements.isEmpty
        case .object(let fields): !fields.isEmpty
        default: false
        }
    }

    /// A key that YAML reads as the same string bare (`paths`, `operationId`) is written bare; `"200"` stays quoted.
    private static func key(_ text: String) -> String {
        let bare = text.first.map { $0.isLetter || $0 == "_" } == true && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
        return bare && !["true", "false", "null", "yes", "no", "on", "off", "y", "n"].contains(text.lowercased()) ? text : quoted(text)
    }

    static func quoted(_ text: String) -> String { JSONText.quoted(text) }
}
