import GraphQL

/// What one GraphQL request asks for, measured on GraphQLSwift's parse of its document: the operation it runs, the root
/// fields, and the sizes limits are set on (depth, aliases, directives, tokens, cost). Fragments are followed, each
/// spread as deep as it sits; a spread that loops is measured once.
public struct GraphQLQueryShape: Sendable {
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
    /// The arguments of each root field with their types, as far as the document tells (`id: ID!` from a variable's
    /// definition, `Int` from a literal): for drafting a schema from traffic.
    public var rootArguments: [String: [(name: String, type: String)]]

    /// The label audit records and metrics use: `query getUser` (or the root fields when the client named nothing).
    public var label: String { "\(operationType) \(operationName ?? rootFields.joined(separator: ","))" }

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Measures `document`, running the operation named `operationName` (or the only one). `fieldPaths` is left
    /// empty unless asked for (the gateway measures every request and does not need them).
    public init(document: String, operationName: String? = nil, collectingFieldPaths: Bool = true) throws(Invalid) {
        // GraphQLSwift's parser recurses once per level: a hostile document nested thousands deep would exhaust the stack.
        if Self.maximumNesting(document) > Self.maximumParsedNesting {
            throw Invalid(description: "the document nests more than \(Self.maximumParsedNesting) levels")
        }
        let parsed: Document
        // Without locations: the parser builds no token list (a third of its time); tokens are counted on the bytes.
        do { parsed = try parse(source: document, noLocation: true) } catch {
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
        var variables: [String: String] = [:]
        for definition in chosen.variableDefinitions { variables[definition.variable.name.value] = Self.typeText(definition.type) }
        var walker = Walker(fragments: fragments, variables: variables, collectingPaths: collectingFieldPaths)
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
        rootArguments = walker.rootArguments
        tokens = Self.countTokens(document)
    }

    /// A type as SDL writes it (`ID!`, `[Int]`).
    static func typeText(_ type: any GraphQL.`Type`) -> String {
        switch type {
        case let named as NamedType: named.name.value
        case let list as ListType: "[" + typeText(list.type) + "]"
        case let nonNull as NonNullType: typeText(nonNull.type) + "!"
        default: "String"
        }
    }

    /// Lexical tokens as the GraphQL lexer counts them (names, numbers, strings, block strings, punctuators; not
    /// commas, white space or comments), on a document GraphQLSwift has already parsed, so every token is well formed.
    public static func countTokens(_ document: String) -> Int {
        var count = 0
        var bytes = document.utf8.makeIterator()
        var pending: UInt8? = nil
        func next() -> UInt8? {
            if let byte = pending { pending = nil; return byte }
            return bytes.next()
        }
        while let byte = next() {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: ","), 0xEF, 0xBB, 0xBF:
                continue
            case UInt8(ascii: "#"):
                while let inner = next(), inner != UInt8(ascii: "\n"), inner != UInt8(ascii: "\r") {}
            case UInt8(ascii: "\""):
                // A string, or a block string (three quotes): read to its end, skipping escaped characters.
                count += 1
                var quotes = 1
                while let inner = next() {
                    if inner == UInt8(ascii: "\"") { quotes += 1 } else { pending = inner; break }
                }
                if quotes == 2 { continue }  // ""
                let block = quotes >= 3
                var run = 0
                var escaped = false
                while let inner = next() {
                    if block {
                        run = inner == UInt8(ascii: "\"") && !escaped ? run + 1 : 0
                        escaped = inner == UInt8(ascii: "\\") && !escaped
                        if run == 3 { break }
                    } else {
                        if escaped { escaped = false; continue }
                        if inner == UInt8(ascii: "\\") { escaped = true; continue }
                        if inner == UInt8(ascii: "\"") { break }
                    }
                }
            case UInt8(ascii: "."):
                // `...` is one token.
                count += 1
                _ = next()
                _ = next()
            default:
                count += 1
                // A name or a number is one token however long; anything else here is one punctuator.
                let continues: (UInt8) -> Bool
                if Self.isLetter(byte) || byte == UInt8(ascii: "_") {
                    continues = { Self.isLetter($0) || Self.isDigit($0) || $0 == UInt8(ascii: "_") }
                } else if Self.isDigit(byte) || byte == UInt8(ascii: "-") {
                    continues = { Self.isDigit($0) || [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-")].contains($0) }
                } else {
                    continue
                }
                while let inner = next() {
                    guard continues(inner) else { pending = inner; break }
                }
            }
        }
        return count
    }

    /// Deeper documents are refused before they are parsed (no real query comes near).
    public static let maximumParsedNesting = 128

    /// The deepest nesting of `{`, `(` and `[` outside strings and comments, on the bytes.
    public static func maximumNesting(_ document: String) -> Int {
        var depth = 0, deepest = 0
        var inString = false, inComment = false, escaped = false
        for byte in document.utf8 {
            if inComment { inComment = byte != UInt8(ascii: "\n") && byte != UInt8(ascii: "\r"); continue }
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "#"): inComment = true
            case UInt8(ascii: "{"), UInt8(ascii: "("), UInt8(ascii: "["):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "}"), UInt8(ascii: ")"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
        return deepest
    }

    static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }
    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

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
        let variables: [String: String]
        let collectingPaths: Bool
        var rootArguments: [String: [(name: String, type: String)]] = [:]

        init(fragments: [String: FragmentDefinition], variables: [String: String], collectingPaths: Bool) {
            self.fragments = fragments
            self.variables = variables
            self.collectingPaths = collectingPaths
        }

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
                    let fieldPath = !collectingPaths ? "" : path.isEmpty ? name : path + "." + name
                    if level == 1, !roots.contains(name) {
                        roots.append(name)
                        rootArguments[name] = field.arguments.map { ($0.name.value, type(of: $0.value)) }
                    }
                    if collectingPaths, paths.count < 512, !paths.contains(fieldPath) { paths.append(fieldPath) }
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

        /// A value's type: its variable's declared type, or what a literal is.
        func type(of value: any Value) -> String {
            switch value {
            case let variable as Variable: variables[variable.name.value] ?? "String"
            case is IntValue: "Int"
            case is FloatValue: "Float"
            case is BooleanValue: "Boolean"
            case is ListValue: "[String]"
            case is ObjectValue: "JSON"
            default: "String"
            }
        }

        func pow15(_ exponent: Int) -> Double {
            var value = 1.0
            for _ in 0..<max(0, min(exponent, 60)) { value *= 1.5 }
            return value
        }
    }
}
