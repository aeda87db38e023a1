import GraphQL

/// What one GraphQL request asks for, measured on GraphQLSwift's parse of its document: the operation it runs, the root
/// fields, and the sizes limits are set on (depth, aliases, directives, tokens, cost). Fragments are followed, each
/// spread as deep as it sits; a spread that loops is measured once.
public struct GraphQLQueryShape: Sendable, Equatable {
    /// `query`, `mutation` or `subscription`.
    public var operationType: String
    /// The operation's name as the client wrote it (clients choose it: never a basis for authorization).
    public var operationName: String?
    /// The fields at the root of the operation that runs (`account`, `deleteUser`), the basis for per-operation policy.
    public var rootFields: [String]
    /// Every selected field as a dotted path from the root (`account`, `account.owner`, `account.owner.email`).
    public var fieldPaths: [String]
    /// Levels of nested selections: `{ a { b } }` is 2.
    public var depth: Int
    public var aliases: Int
    public var directives: Int
    /// Lexical tokens of the whole document (names, punctuation, values), as the GraphQL lexer counts them.
    public var tokens: Int
    /// GraphQL Armor's cost model: an object field costs 2, a leaf 1, each times 1.5 per level of nesting.
    public var cost: Int
    /// The operation reads `__schema` or `__type`.
    public var introspection: Bool

    /// The label audit records and metrics use: `query getUser` (or the root fields when the client named nothing).
    public var label: String { "\(operationType) \(operationName ?? rootFields.joined(separator: ","))" }

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Measures `document`, running the operation named `operationName` (or the only one).
    public init(document: String, operationName: String? = nil) throws(Invalid) {
        let parsed: Document
        do { parsed = try parse(source: document) } catch {
            throw Invalid(description: "syntax error: " + (((error as? GraphQLError)?.message ?? "\(error)").prefix(160)))
        }
        var operations: [OperationDefinition] = []
        var fragments: [String: FragmentDefinition] = [:]
        for definition in parsed.definitions {
            if let operation = definition as? OperationDefinition { operations.append(operation) }
            if let fragment = definition as? FragmentDefinition { fragments[fragment.name.value] = fragment }
        }
        let chosen: OperationDefinition
        if let operationName {
            guard let named = operations.first(where: { $0.name?.value == operationName }) else { throw Invalid(description: "no operation named \(operationName)") }
            chosen = named
        } else {
            guard operations.count == 1 else { throw Invalid(description: operations.isEmpty ? "the document has no operation" : "several operations and no operationName") }
            chosen = operations[0]
        }
        var walker = Walker(fragments: fragments)
        walker.directives = chosen.directives.count
        walker.walk(chosen.selectionSet, level: 1, path: "")
        operationType = chosen.operation.rawValue
        self.operationName = chosen.name?.value
        rootFields = walker.roots
        fieldPaths = walker.paths
        depth = walker.depth
        aliases = walker.aliases
        directives = walker.directives
        cost = Int(walker.cost.rounded(.up))
        introspection = walker.introspection
        tokens = Self.countTokens(from: parsed.loc?.startToken)
    }

    /// Walks the token list the lexer linked from the start of the document (every token knows the next).
    static func countTokens(from start: Token?) -> Int {
        var count = 0
        var token = start
        while let current = token, current.kind != .eof {
            if current.kind != .sof && current.kind != .comment { count += 1 }
            token = current.next
        }
        return count
    }

    /// One pass over the selected fields, fragments expanded where they are spread.
    struct Walker {
        let fragments: [String: FragmentDefinition]
        var roots: [String] = []
        var paths: [String] = []
        var depth = 0
        var aliases = 0
        var directives = 0
        var cost = 0.0
        var introspection = false
        var expanding: Set<String> = []

        init(fragments: [String: FragmentDefinition]) { self.fragments = fragments }

        mutating func walk(_ set: SelectionSet, level: Int, path: String) {
            for selection in set.selections {
                switch selection {
                case let field as Field:
                    let name = field.name.value
                    if field.alias != nil { aliases += 1 }
                    directives += field.directives.count
                    if name == "__schema" || name == "__type" { introspection = true }
                    depth = max(depth, level)
                    cost += (field.selectionSet == nil ? 1 : 2) * pow15(level - 1)
                    let fieldPath = path.isEmpty ? name : path + "." + name
                    if level == 1, !roots.contains(name) { roots.append(name) }
                    if paths.count < 512, !paths.contains(fieldPath) { paths.append(fieldPath) }
                    if let inner = field.selectionSet { walk(inner, level: level + 1, path: fieldPath) }
                case let inline as InlineFragment:
                    directives += inline.directives.count
                    walk(inline.selectionSet, level: level, path: path)
                case let spread as FragmentSpread:
                    directives += spread.directives.count
                    let name = spread.name.value
                    guard let fragment = fragments[name], !expanding.contains(name) else { continue }
                    expanding.insert(name)
                    directives += fragment.directives.count
                    walk(fragment.selectionSet, level: level, path: path)
                    expanding.remove(name)
                default:
                    continue
                }
            }
        }

        func pow15(_ exponent: Int) -> Double {
            var value = 1.0
            for _ in 0..<max(0, min(exponent, 60)) { value *= 1.5 }
            return value
        }
    }
}
