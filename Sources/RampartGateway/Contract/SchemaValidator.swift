import Foundation
import RampartSpec

/// A JSON Schema (OpenAPI 3.0/3.1 dialect) compiled once into a tree of checks, so a request costs a walk
/// over its own value, never over the spec. Messages name the place (`$.items[0].price`) and the rule broken,
/// never the value sent: a gateway's 400 must not echo what an attacker injected.
final class SchemaValidator: @unchecked Sendable {
    // Set once while compiling (references to schemas still being compiled are filled in later), then only read.
    fileprivate(set) var types: Set<String>?
    fileprivate(set) var nullable = false
    fileprivate(set) var enumValues: [String]?
    fileprivate(set) var minimum: (Double, exclusive: Bool)?
    fileprivate(set) var maximum: (Double, exclusive: Bool)?
    fileprivate(set) var multipleOf: Double?
    fileprivate(set) var minLength: Int?
    fileprivate(set) var maxLength: Int?
    fileprivate(set) var pattern: LinearPattern?
    fileprivate(set) var format: String?
    fileprivate(set) var properties: [String: SchemaValidator] = [:]
    fileprivate(set) var required: [String] = []
    /// nil: anything more is allowed; a validator: what more must be (`false` compiles to one that refuses all).
    fileprivate(set) var additionalProperties: SchemaValidator?
    fileprivate(set) var refusesEverything = false
    fileprivate(set) var minProperties: Int?
    fileprivate(set) var maxProperties: Int?
    fileprivate(set) var items: SchemaValidator?
    fileprivate(set) var minItems: Int?
    fileprivate(set) var maxItems: Int?
    fileprivate(set) var uniqueItems = false
    fileprivate(set) var allOf: [SchemaValidator] = []
    fileprivate(set) var anyOf: [SchemaValidator] = []
    fileprivate(set) var oneOf: [SchemaValidator] = []
    fileprivate(set) var not: SchemaValidator?
    /// The properties it declares through allOf, anyOf and oneOf too, and whether that list is closed (others are
    /// undeclared): worked out once after compiling, for the response filter.
    fileprivate(set) var declared: (properties: [String: SchemaValidator], closed: Bool) = ([:], false)

    /// How deep a value may nest before it is refused (a JSON bomb of nested arrays costs nothing to send).
    static let maximumDepth = 64

    /// The first problem with `value`, or nil when it is valid.
    func problem(_ value: Any, at place: String = "$", depth: Int = 0) -> String? {
        if refusesEverything { return "\(place): not allowed" }
        guard depth < Self.maximumDepth else { return "\(place): nested too deeply" }
        if value is NSNull {
            if nullable || types?.contains("null") != false { return nil }
            return "\(place): must not be null"
        }
        if let types, let problem = typeProblem(value, types: types, at: place) { return problem }
        if let enumValues, !enumValues.contains(Self.canonical(value)) { return "\(place): not one of the allowed values" }
        switch value {
        case let number as NSNumber where !Self.isBoolean(number):
            let double = number.doubleValue
            if let minimum, minimum.exclusive ? double <= minimum.0 : double < minimum.0 { return "\(place): below the minimum \(Self.number(minimum.0))" }
            if let maximum, maximum.exclusive ? double >= maximum.0 : double > maximum.0 { return "\(place): above the maximum \(Self.number(maximum.0))" }
            if let multipleOf, multipleOf > 0, (double / multipleOf).rounded() * multipleOf != double { return "\(place): not a multiple of \(Self.number(multipleOf))" }
            if format == "int32", double < -2_147_483_648 || double > 2_147_483_647 { return "\(place): out of the int32 range" }
        case let string as String:
            let length = string.count
            if let minLength, length < minLength { return "\(place): shorter than \(minLength) characters" }
            if let maxLength, length > maxLength { return "\(place): longer than \(maxLength) characters" }
            if let pattern, !pattern.matches(string) { return "\(place): does not match the required pattern" }
            if let format, !Formats.matches(string, format: format) { return "\(place): not a valid \(format)" }
        case let array as [Any]:
            if let minItems, array.count < minItems { return "\(place): fewer than \(minItems) items" }
            if let maxItems, array.count > maxItems { return "\(place): more than \(maxItems) items" }
            if uniqueItems, Set(array.map(Self.canonical)).count != array.count { return "\(place): items must be unique" }
            if let items {
                for (index, element) in array.enumerated() {
                    if let problem = items.problem(element, at: "\(place)[\(index)]", depth: depth + 1) { return problem }
                }
            }
        case let object as [String: Any]:
            for name in required where object[name] == nil { return "\(place): the required property \(Self.name(name)) is missing" }
            if let minProperties, object.count < minProperties { return "\(place): fewer than \(minProperties) properties" }
            if let maxProperties, object.count > maxProperties { return "\(place): more than \(maxProperties) properties" }
            for (key, element) in object {
                if let property = properties[key] {
                    if let problem = property.problem(element, at: "\(place).\(key)", depth: depth + 1) { return problem }
                } else if let additionalProperties {
                    if additionalProperties.refusesEverything { return "\(place): the property \(Self.name(key)) is not allowed" }
                    if let problem = additionalProperties.problem(element, at: "\(place).\(Self.name(key))", depth: depth + 1) { return problem }
                }
            }
        default:
            break
        }
        for schema in allOf {
            if let problem = schema.problem(value, at: place, depth: depth + 1) { return problem }
        }
        if !anyOf.isEmpty, !anyOf.contains(where: { $0.problem(value, at: place, depth: depth + 1) == nil }) { return "\(place): matches none of the allowed shapes (anyOf)" }
        if !oneOf.isEmpty {
            let matching = oneOf.count { $0.problem(value, at: place, depth: depth + 1) == nil }
            if matching != 1 { return "\(place): must match exactly one of the allowed shapes (oneOf), matches \(matching)" }
        }
        if let not, not.problem(value, at: place, depth: depth + 1) == nil { return "\(place): matches a forbidden shape (not)" }
        return nil
    }

    private func typeProblem(_ value: Any, types: Set<String>, at place: String) -> String? {
        let actual = Self.type(of: value)
        if types.contains(actual) || (actual == "integer" && types.contains("number")) { return nil }
        return "\(place): expected \(types.sorted().joined(separator: " or ")), got \(actual)"
    }

    static func type(of value: Any) -> String {
        switch value {
        case is NSNull: "null"
        case let number as NSNumber where isBoolean(number): "boolean"
        case let number as NSNumber: number.doubleValue.rounded() == number.doubleValue && !isFloatingPoint(number) ? "integer" : "number"
        case is String: "string"
        case is [Any]: "array"
        case is [String: Any]: "object"
        default: "unknown"
        }
    }

    /// JSON's true and false are NSNumbers of type `c` (char); numbers are `q`, `i` or `d`.
    static func isBoolean(_ number: NSNumber) -> Bool { number.objCType.pointee == CChar(UInt8(ascii: "c")) }
    private static func isFloatingPoint(_ number: NSNumber) -> Bool {
        let type = number.objCType.pointee
        return (type == CChar(UInt8(ascii: "d")) || type == CChar(UInt8(ascii: "f"))) && number.doubleValue.rounded() != number.doubleValue
    }

    /// A comparable text form of a scalar (for enums and uniqueness).
    static func canonical(_ value: Any) -> String {
        switch value {
        case let number as NSNumber where isBoolean(number): number.boolValue ? "b:true" : "b:false"
        case let number as NSNumber: "n:\(number.doubleValue)"
        case let string as String: "s:" + string
        case is NSNull: "null"
        default: (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])).map { "j:" + String(decoding: $0, as: UTF8.self) } ?? "?"
        }
    }

    private static func number(_ value: Double) -> String { value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value) }

    /// A property name as it may appear in a message: names sent by the client are shown only when harmless.
    static func name(_ key: String) -> String {
        key.count <= 40 && key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }) ? "'\(key)'" : "(a name that cannot be shown)"
    }
}

/// Compiles the schemas of one document, each once: a schema reached twice (or recursively) is one validator.
struct SchemaCompiler {
    let document: SpecDocument
    private var compiled: [String: SchemaValidator] = [:]
    /// Schemas that cannot be enforced as written (a pattern with a backreference, say): the contract refuses to load.
    private(set) var problems: [SpecError] = []

    init(document: SpecDocument) { self.document = document }

    /// A length or count bound as an Int; one too large for any input (1e19) is no bound rather than a crash.
    static func count(_ node: SpecNode?) -> Int? {
        guard let value = node?.number, value.isFinite, value >= 0 else { return nil }
        return value < 1e15 ? Int(value) : nil
    }

    /// Works out every compiled schema's declared properties; call once, after the last `compile`.
    func finish() {
        for schema in compiled.values { schema.declared = Self.declaredProperties(schema, visiting: []) }
    }

    private static func declaredProperties(_ schema: SchemaValidator, visiting: Set<ObjectIdentifier>) -> (properties: [String: SchemaValidator], closed: Bool) {
        var properties = schema.properties
        var open = schema.additionalProperties.map { !$0.refusesEverything } ?? false
        for part in schema.allOf + schema.anyOf + schema.oneOf where !visiting.contains(ObjectIdentifier(part)) {
            let inner = declaredProperties(part, visiting: visiting.union([ObjectIdentifier(schema)]))
            properties.merge(inner.properties) { mine, _ in mine }
            if !inner.closed && !inner.properties.isEmpty { open = true }
        }
        return (properties, !properties.isEmpty && !open)
    }

    mutating func compile(_ cursor: Cursor) -> SchemaValidator {
        guard let resolved = document.resolve(cursor) else { return SchemaValidator() }   // a broken $ref: the audit reports it
        let key = resolved.file + "#" + resolved.pointer
        if let known = compiled[key] { return known }
        let schema = SchemaValidator()
        compiled[key] = schema
        let node = resolved.node
        if case .bool(let allowed) = node.value {
            schema.refusesEverything = !allowed
            return schema
        }
        let typeNames = node["type"]?.strings ?? []
        if !typeNames.isEmpty { schema.types = Set(typeNames) }
        schema.nullable = node["nullable"]?.bool ?? false
        if let values = node["enum"]?.items { schema.enumValues = values.map(Self.canonical) }
        if let value = node["const"] { schema.enumValues = [Self.canonical(value)] }
        if let minimum = node["minimum"]?.number { schema.minimum = (minimum, node["exclusiveMinimum"]?.bool ?? false) }
        if let maximum = node["maximum"]?.number { schema.maximum = (maximum, node["exclusiveMaximum"]?.bool ?? false) }
        // 3.1: exclusiveMinimum/Maximum are numbers of their own.
        if let bound = node["exclusiveMinimum"]?.number { schema.minimum = (bound, true) }
        if let bound = node["exclusiveMaximum"]?.number { schema.maximum = (bound, true) }
        schema.multipleOf = node["multipleOf"]?.number
        schema.minLength = Self.count(node["minLength"])
        schema.maxLength = Self.count(node["maxLength"])
        if let pattern = node["pattern"]?.string {
            do { schema.pattern = try LinearPattern(pattern) } catch {
                problems.append(SpecError(file: resolved.file, line: node.reportLine, column: node.reportColumn, pointer: resolved.pointer + "/pattern",
                                          problem: "this pattern cannot be enforced: \(error)"))
            }
        }
        schema.format = node["format"]?.string
        for (name, property) in resolved["properties"]?.entries ?? [] { schema.properties[name] = compile(property) }
        schema.required = node["required"]?.strings ?? []
        if let additional = resolved["additionalProperties"] { schema.additionalProperties = compile(additional) }
        schema.minProperties = Self.count(node["minProperties"])
        schema.maxProperties = Self.count(node["maxProperties"])
        if let items = resolved["items"] { schema.items = compile(items) }
        schema.minItems = Self.count(node["minItems"])
        schema.maxItems = Self.count(node["maxItems"])
        schema.uniqueItems = node["uniqueItems"]?.bool ?? false
        schema.allOf = (resolved["allOf"]?.items ?? []).map { compile($0) }
        schema.anyOf = (resolved["anyOf"]?.items ?? []).map { compile($0) }
        schema.oneOf = (resolved["oneOf"]?.items ?? []).map { compile($0) }
        if let not = resolved["not"] { schema.not = compile(not) }
        return schema
    }

    private static func canonical(_ node: SpecNode) -> String {
        switch node.value {
        case .string(let text): "s:" + text
        case .number(let text): "n:\(Double(text) ?? 0)"
        case .bool(let flag): flag ? "b:true" : "b:false"
        case .null: "null"
        default: "?"
        }
    }
}

/// String formats checked by shape.
enum Formats {
    static func matches(_ value: String, format: String) -> Bool {
        switch format {
        case "uuid": return value.count == 36 && UUID(uuidString: value) != nil
        case "date": return value.count == 10 && dateParts(value) != nil
        case "date-time":
            return value.count >= 20 && dateParts(String(value.prefix(10))) != nil
                && dateTime.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
        case "email":
            guard let at = value.firstIndex(of: "@"), at != value.startIndex, !value.contains(" ") else { return false }
            return value[value.index(after: at)...].contains(".")
        case "uri", "url": return URL(string: value)?.scheme != nil
        case "ipv4": return value.split(separator: ".", omittingEmptySubsequences: false).count == 4 && value.split(separator: ".").allSatisfy { UInt8($0) != nil }
        case "int32", "int64", "float", "double", "byte", "binary", "password": return true
        default: return true   // formats the validator does not know are annotations, as JSON Schema says
        }
    }

    /// RFC 3339: `2024-05-01T12:00:00Z`, with optional fractions and an offset instead of `Z`.
    private static let dateTime = try! NSRegularExpression(pattern: #"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"#)

    private static func dateParts(_ value: String) -> (Int, Int, Int)? {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month), (1...31).contains(day) else { return nil }
        return (year, month, day)
    }
}
