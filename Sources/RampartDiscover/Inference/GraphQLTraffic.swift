import Foundation
import RampartGraphQL

/// One GraphQL root field as traffic used it: every request to a GraphQL endpoint is one `POST /graphql` to the path
/// inventory, so the operations behind it are counted here, by endpoint and root field.
public struct GraphQLOperationSeen: Sendable {
    public var endpoint: String
    /// `query`, `mutation` or `subscription`.
    public var kind: String
    public var field: String
    public var requests = 0
    /// Answers whose `errors[]` was not empty.
    public var errors = 0
    public var statuses: [Int: Int] = [:]
    /// Selected fields under it, as dotted paths (`account.owner.email`).
    public var fieldsUsed: Set<String> = []
    /// Who called it: the identity the input names, else the client address.
    public var callers: Set<String> = []
    public var firstSeen: Double?
    public var lastSeen: Double?

    public var label: String { "\(kind) \(field)" }
}

/// GraphQL requests out of traffic: the operations, and the types their answers show (for `--emit-schema`).
final class GraphQLTraffic {
    private(set) var operations: [String: GraphQLOperationSeen] = [:]
    /// Per type name, its fields' types as answers showed them; per root type, the root fields with their arguments.
    private var types: [String: [String: String]] = [:]
    private var roots: [String: [String: (arguments: [(name: String, type: String)], type: String)]] = [:]

    /// Takes the record when it is a GraphQL request; false when it is not one.
    func add(_ record: TrafficRecord) -> Bool {
        let sent = Self.requests(in: record)
        guard !sent.isEmpty else { return false }
        let answers = Self.answers(in: record, count: sent.count)
        for (index, (document, operationName)) in sent.enumerated() {
            guard let shape = try? GraphQLQueryShape(document: document, operationName: operationName) else { continue }
            let answer = index < answers.count ? answers[index] : nil
            let data = answer?["data"] as? [String: Any]
            for field in shape.rootFields {
                let key = record.path + " " + shape.operationType + " " + field
                var seen = operations[key] ?? GraphQLOperationSeen(endpoint: record.path, kind: shape.operationType, field: field)
                seen.requests += 1
                seen.statuses[record.status, default: 0] += 1
                if (answer?["errors"] as? [Any])?.isEmpty == false { seen.errors += 1 }
                if seen.fieldsUsed.count < 200 { seen.fieldsUsed.formUnion(shape.fieldPaths.filter { $0 == field || $0.hasPrefix(field + ".") }) }
                if seen.callers.count < 1_000 { seen.callers.insert(record.identity ?? record.client ?? "-") }
                if let time = record.time {
                    seen.firstSeen = min(seen.firstSeen ?? time, time)
                    seen.lastSeen = max(seen.lastSeen ?? time, time)
                }
                operations[key] = seen
                learn(root: shape.operationType, field: field, arguments: shape.rootArguments[field] ?? [], value: data?[field])
            }
        }
        return true
    }

    /// The documents a request carries: a JSON body (one operation or a batch), `application/graphql`, or a GET's `?query=`.
    static func requests(in record: TrafficRecord) -> [(String, String?)] {
        if record.method == "GET" {
            // Query values as they were sent: form encoding (`+` for a space), then percent-encoding.
            func value(_ name: String) -> String? {
                record.query.first { $0.name == name }.map { raw in
                    let spaced = raw.value.replacingOccurrences(of: "+", with: " ")
                    return spaced.removingPercentEncoding ?? spaced
                }
            }
            return value("query").map { [($0, value("operationName"))] } ?? []
        }
        guard record.method == "POST", let body = record.requestBody, !body.isEmpty else { return [] }
        if record.requestContentType?.lowercased().hasPrefix("application/graphql") == true, !body.hasPrefix("{") { return [(body, nil)] }
        let parsed = try? JSONSerialization.jsonObject(with: Data(body.utf8))
        let items = (parsed as? [[String: Any]]) ?? (parsed as? [String: Any]).map { [$0] } ?? []
        return items.prefix(100).compactMap { item in (item["query"] as? String).map { ($0, item["operationName"] as? String) } }
    }

    static func answers(in record: TrafficRecord, count: Int) -> [[String: Any]] {
        guard let body = record.responseBody, let parsed = try? JSONSerialization.jsonObject(with: Data(body.utf8)) else { return [] }
        return (parsed as? [[String: Any]]) ?? (parsed as? [String: Any]).map { [$0] } ?? []
    }

    // MARK: The schema traffic shows

    private func learn(root kind: String, field: String, arguments: [(name: String, type: String)], value: Any?) {
        let rootType = kind == "mutation" ? "Mutation" : kind == "subscription" ? "Subscription" : "Query"
        var known = roots[rootType, default: [:]][field] ?? (arguments, "JSON")
        for argument in arguments where !known.arguments.contains(where: { $0.name == argument.name }) { known.arguments.append(argument) }
        // An empty list or a null says nothing about the type: an earlier answer's stays.
        if let value, !(value is NSNull), (value as? [Any])?.isEmpty != true { known.type = type(of: value, named: Self.typeName(field)) }
        roots[rootType, default: [:]][field] = known
    }

    /// The SDL type of a JSON value, recording object types (named after the field that held them) on the way.
    private func type(of value: Any, named name: String, depth: Int = 0) -> String {
        switch value {
        case let list as [Any]:
            return "[" + (list.first { !($0 is NSNull) }.map { type(of: $0, named: name, depth: depth) } ?? "String") + "]"
        case let object as [String: Any]:
            guard depth < 8 else { return "JSON" }
            var fields = types[name] ?? [:]
            for (key, inner) in object where !(inner is NSNull) && key != "__typename" {
                fields[key] = key == "id" ? "ID" : type(of: inner, named: Self.typeName(key), depth: depth + 1)
            }
            for key in object.keys where fields[key] == nil && key != "__typename" { fields[key] = "String" }
            types[name] = fields
            return name
        case let number as NSNumber:
            // As SchemaBuilder tells them apart: JSON true/false are chars, fractions doubles.
            let objCType = String(cString: number.objCType)
            return objCType == "c" ? "Boolean" : objCType == "d" || objCType == "f" ? "Float" : "Int"
        default:
            return "String"
        }
    }

    /// `accounts` → `Account`, `owner` → `Owner`.
    static func typeName(_ field: String) -> String {
        var name = field
        if name.hasSuffix("ies") { name = String(name.dropLast(3)) + "y" } else if name.hasSuffix("s") && !name.hasSuffix("ss") { name = String(name.dropLast()) }
        return name.prefix(1).uppercased() + name.dropFirst()
    }

    /// A draft SDL of what traffic used: root fields with the arguments clients sent, and the types answers showed.
    func sdl(requests: Int) -> String {
        var out = "# Drafted by rampart discover from \(requests) request(s): only the fields traffic used; check every type before relying on it.\n"
        if types.values.contains(where: { $0.values.contains("JSON") }) || roots.values.contains(where: { $0.values.contains { $0.type == "JSON" } }) { out += "scalar JSON\n" }
        for root in ["Query", "Mutation", "Subscription"] {
            guard let fields = roots[root] else { continue }
            out += "\ntype \(root) {\n"
            for (name, field) in fields.sorted(by: { $0.key < $1.key }) {
                let arguments = field.arguments.isEmpty ? "" : "(" + field.arguments.map { "\($0.name): \($0.type)" }.joined(separator: ", ") + ")"
                out += "  \(name)\(arguments): \(field.type)\n"
            }
            out += "}\n"
        }
        for (name, fields) in types.sorted(by: { $0.key < $1.key }) {
            out += "\ntype \(name) {\n" + fields.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value)\n" }.joined() + "}\n"
        }
        return out
    }
}
