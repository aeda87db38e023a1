import Yams

/// Reads YAML through Yams' composer, whose nodes carry line and column, into `SpecNode`s.
public enum YAMLReader {
    /// Aliases are copied by reference in Yams but expanded here; a document that
    /// expands beyond this many nodes ("billion laughs") is refused.
    public static let maxNodes = 5_000_000

    public static func parse(_ text: String, file: String) throws(SpecError) -> SpecNode {
        let root: Node?
        do {
            // The basic resolver skips Yams' regex-based implicit typing; `scalar(_:)` types plain scalars itself.
            root = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            throw describe(error, file: file)
        } catch {
            throw SpecError(file: file, problem: "invalid YAML: \(error)")
        }
        guard let root else { throw SpecError(file: file, line: 1, column: 1, problem: "the document is empty") }
        var budget = maxNodes
        return try convert(root, file: file, depth: 0, budget: &budget)
    }

    private static func describe(_ error: YamlError, file: String) -> SpecError {
        func make(_ problem: String, _ mark: Mark, _ context: YamlError.Context?) -> SpecError {
            let detail = context.map { " \($0.text)" } ?? ""
            return SpecError(file: file, line: mark.line, column: mark.column, problem: "invalid YAML: \(problem)\(detail)")
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            return make(problem, mark, context)
        case let .duplicatedKeysInMapping(duplicates, context):
            return make("duplicate key \(duplicates.joined(separator: ", "))", context.mark, nil)
        case let .reader(problem, offset, _, _):
            return SpecError(file: file, problem: "invalid YAML: \(problem)" + (offset.map { " at byte \($0)" } ?? ""))
        default:
            return SpecError(file: file, problem: "invalid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
    }

    private static func convert(_ node: Node, file: String, depth: Int, budget: inout Int) throws(SpecError) -> SpecNode {
        budget -= 1
        let line = node.mark?.line ?? 0, column = node.mark?.column ?? 0
        guard budget > 0 else {
            throw SpecError(file: file, line: line, column: column, problem: "document expands to more than \(maxNodes) nodes (alias bomb?)")
        }
        guard depth < JSONReader.maxDepth else {
            throw SpecError(file: file, line: line, column: column, problem: "nested deeper than \(JSONReader.maxDepth) levels")
        }
        switch node {
        case .scalar(let scalar):
            return SpecNode(value(of: scalar), line: line, column: column)
        case .sequence(let sequence):
            var items: [SpecNode] = []
            items.reserveCapacity(sequence.count)
            for item in sequence { items.append(try convert(item, file: file, depth: depth + 1, budget: &budget)) }
            return SpecNode(.array(items), line: line, column: column)
        case .mapping(let mapping):
            var entries: [(key: String, node: SpecNode)] = []
            entries.reserveCapacity(mapping.count)
            var merged: [SpecNode] = []
            for (key, value) in mapping {
                let converted = try convert(value, file: file, depth: depth + 1, budget: &budget)
                let name = key.scalar?.string ?? ""
                if name == "<<", key.scalar?.style == .plain {
                    merged += converted.isObject ? [converted] : converted.items  // YAML merge key
                } else {
                    converted.keyLine = Int32(clamping: key.mark?.line ?? 0)
                    converted.keyColumn = Int32(clamping: key.mark?.column ?? 0)
                    entries.append((name, converted))
                }
            }
            for source in merged {
                for entry in source.entries where !entries.contains(where: { $0.key == entry.key }) { entries.append(entry) }
            }
            return SpecNode(.object(entries), line: line, column: column)
        case .alias:
            return SpecNode(.null, line: line, column: column)
        }
    }

    /// YAML 1.2 core-schema typing of plain scalars; quoted scalars are always strings.
    static func value(of scalar: Node.Scalar) -> SpecNode.Value {
        let text = scalar.string
        guard scalar.style == .plain, scalar.tag.description.isEmpty else {  // untagged plain scalar
            return .string(text)
        }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if looksNumeric(text) { return .number(text) }
        return .string(text)
    }

    private static func looksNumeric(_ text: String) -> Bool {
        var utf8 = Substring(text).utf8[...]
        if utf8.first == UInt8(ascii: "-") || utf8.first == UInt8(ascii: "+") { utf8 = utf8.dropFirst() }
        guard let first = utf8.first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        // Versions like 1.0.3 and dates stay strings; only one '.' and an optional exponent make a number.
        return Double(text) != nil && text.filter({ $0 == "." }).count <= 1 && !text.hasPrefix("0x")
    }
}
