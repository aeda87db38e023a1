/// A JSON Schema `pattern` (ECMA-262 syntax) matched in time linear in the input: the pattern is compiled to an NFA
/// and run as a Pike VM, which follows every alternative at once instead of backtracking. A pattern such as
/// `^(a+)+$` costs the same few microseconds on a 29-byte attack as on a valid value; with a backtracking engine
/// (Foundation's) it held an event loop for most of a second per request.
///
/// Written by hand: Foundation's and the standard library's engines backtrack, and no available package offers a
/// linear one. Backreferences and lookaround cannot be matched this way; such patterns are refused when the
/// configuration loads (`LinearPattern.Unsupported`), never skipped.
struct LinearPattern: Sendable {
    struct Unsupported: Error, CustomStringConvertible {
        var description: String
    }

    /// The most NFA instructions a pattern may compile to (counted repetitions are expanded): bounds the per-character cost.
    static let maximumProgram = 10_000

    private let program: [Instruction]

    init(_ pattern: String) throws(Unsupported) {
        var parser = Parser(Array(pattern.unicodeScalars))
        let tree = try parser.parse()
        var compiler = Compiler()
        try compiler.emit(tree)
        compiler.program.append(.match)
        program = compiler.program
    }

    /// Whether the pattern matches anywhere in `text` (JSON Schema patterns are not anchored unless they say so).
    func matches(_ text: String) -> Bool {
        let input = Array(text.unicodeScalars)
        var current = ThreadList(size: program.count)
        var next = ThreadList(size: program.count)
        for position in 0...input.count {
            // A new attempt starts at every position (lowest priority): an unanchored search.
            if add(0, at: position, input, to: &current) { return true }
            guard position < input.count else { break }
            let scalar = input[position]
            next.clear()
            for pc in current.members {
                if case .scalar(let matcher) = program[pc], matcher.matches(scalar), add(pc + 1, at: position + 1, input, to: &next) { return true }
            }
            swap(&current, &next)
        }
        return false
    }

    /// Adds `pc` and everything reachable from it without reading input; true when that reaches `match`.
    private func add(_ start: Int, at position: Int, _ input: [Unicode.Scalar], to list: inout ThreadList) -> Bool {
        var stack = [start]
        while let pc = stack.popLast() {
            guard list.insert(pc) else { continue }
            switch program[pc] {
            case .match: return true
            case .scalar: break
            case .jump(let target): stack.append(target)
            case .split(let first, let second): stack.append(second); stack.append(first)
            case .assert(let assertion):
                if assertion.holds(at: position, in: input) { stack.append(pc + 1) }
            }
        }
        return false
    }

    /// A set of program counters with insertion order, cleared in constant time.
    private struct ThreadList {
        var members: [Int] = []
        var stamps: [UInt32]
        var generation: UInt32 = 1

        init(size: Int) { stamps = [UInt32](repeating: 0, count: size) }

        mutating func insert(_ pc: Int) -> Bool {
            guard stamps[pc] != generation else { return false }
            stamps[pc] = generation
            members.append(pc)
            return true
        }

        mutating func clear() {
            members.removeAll(keepingCapacity: true)
            generation &+= 1
            if generation == 0 {
                stamps = [UInt32](repeating: 0, count: stamps.count)
                generation = 1
            }
        }
    }

    // MARK: The program

    enum Instruction: Sendable {
        case scalar(Matcher)
        case split(Int, Int)
        case jump(Int)
        case assert(Assertion)
        case match
    }

    enum Assertion: Sendable {
        case start, end, wordBoundary, notWordBoundary

        func holds(at position: Int, in input: [Unicode.Scalar]) -> Bool {
            switch self {
            case .start: return position == 0
            case .end: return position == input.count
            case .wordBoundary, .notWordBoundary:
                let before = position > 0 && Matcher.isWord(input[position - 1])
                let after = position < input.count && Matcher.isWord(input[position])
                return (before != after) == (self == .wordBoundary)
            }
        }
    }

    /// What one input character must be.
    struct Matcher: Sendable {
        enum Item: Sendable {
            case range(UInt32, UInt32)
            case digit(Bool), word(Bool), space(Bool)  // the class, or (true) its complement
        }
        var items: [Item]
        var negated = false

        static let any = Matcher(items: [.range(0x0A, 0x0A), .range(0x0D, 0x0D), .range(0x2028, 0x2029)], negated: true)

        func matches(_ scalar: Unicode.Scalar) -> Bool {
            let value = scalar.value
            let found = items.contains { item in
                switch item {
                case .range(let low, let high): low <= value && value <= high
                case .digit(let complement): (0x30...0x39).contains(value) != complement
                case .word(let complement): Self.isWord(scalar) != complement
                case .space(let complement): Self.isSpace(scalar) != complement
                }
            }
            return found != negated
        }

        static func isWord(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.value {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x5F: true
            default: false
            }
        }

        static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.value {
            case 0x09...0x0D, 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: true
            default: false
            }
        }
    }

    // MARK: Parsing

    indirect enum Node {
        case empty
        case scalar(Matcher)
        case assertion(Assertion)
        case sequence([Node])
        case alternatives([Node])
        case repeated(Node, minimum: Int, maximum: Int?)
    }

    struct Parser {
        let text: [Unicode.Scalar]
        var index = 0

        init(_ text: [Unicode.Scalar]) { self.text = text }

        mutating func parse() throws(Unsupported) -> Node {
            let node = try alternatives()
            guard index == text.count else { throw Unsupported(description: "unbalanced ')' at character \(index + 1)") }
            return node
        }

        private var peek: Unicode.Scalar? { index < text.count ? text[index] : nil }

        private mutating func alternatives() throws(Unsupported) -> Node {
            var branches = [try sequence()]
            while peek == "|" {
                index += 1
                branches.append(try sequence())
            }
            return branches.count == 1 ? branches[0] : .alternatives(branches)
        }

        private mutating func sequence() throws(Unsupported) -> Node {
            var items: [Node] = []
            while let scalar = peek, scalar != "|", scalar != ")" {
                var atom = try self.atom()
                while let (minimum, maximum) = try quantifier() {
                    if case .assertion = atom { throw Unsupported(description: "a quantifier after an anchor at character \(index)") }
                    atom = .repeated(atom, minimum: minimum, maximum: maximum)
                }
                items.append(atom)
            }
            return items.count == 1 ? items[0] : .sequence(items)
        }

        /// `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each optionally lazy (`?`: the same for a yes/no match).
        private mutating func quantifier() throws(Unsupported) -> (Int, Int?)? {
            guard let scalar = peek else { return nil }
            var result: (Int, Int?)
            switch scalar {
            case "*": result = (0, nil); index += 1
            case "+": result = (1, nil); index += 1
            case "?": result = (0, 1); index += 1
            case "{":
                guard let counted = countedQuantifier() else { return nil }  // a literal '{'
                result = counted
            default: return nil
            }
            if peek == "?" { index += 1 }
            if let maximum = result.1, maximum < result.0 { throw Unsupported(description: "{\(result.0),\(maximum)}: the maximum is below the minimum") }
            return result
        }

        private mutating func countedQuantifier() -> (Int, Int?)? {
            var cursor = index + 1
            func number() -> Int? {
                var value = 0, digits = 0
                while cursor < text.count, let digit = Int(String(text[cursor])), text[cursor].isASCII {
                    value = min(value * 10 + digit, 100_000)
                    digits += 1
                    cursor += 1
                }
                return digits > 0 ? value : nil
            }
            guard let minimum = number() else { return nil }
            var maximum: Int? = minimum
            if cursor < text.count, text[cursor] == "," {
                cursor += 1
                maximum = number()
            }
            guard cursor < text.count, text[cursor] == "}" else { return nil }
            index = cursor + 1
            return (minimum, maximum)
        }

        private mutating func atom() throws(Unsupported) -> Node {
            let scalar = text[index]
            index += 1
            switch scalar {
            case "^": return .assertion(.start)
            case "$": return .assertion(.end)
            case ".": return .scalar(.any)
            case "[": return .scalar(try characterClass())
            case "(":
                if peek == "?" {
                    index += 1
                    switch peek {
                    case ":": index += 1
                    case "<" where index + 1 < text.count && text[index + 1] != "=" && text[index + 1] != "!":
                        // A named group: the name is skipped, the group is an ordinary one.
                        while let next = peek, next != ">" { index += 1 }
                        guard peek == ">" else { throw Unsupported(description: "an unterminated group name") }
                        index += 1
                    default: throw Unsupported(description: "lookahead and lookbehind cannot be checked in linear time")
                    }
                }
                let inner = try alternatives()
                guard peek == ")" else { throw Unsupported(description: "an unclosed '('") }
                index += 1
                return inner
            case "*", "+", "?": throw Unsupported(description: "nothing to repeat before '\(scalar)' at character \(index)")
            case "\\": return try escape(inClass: false)
            default: return .scalar(Matcher(items: [.range(scalar.value, scalar.value)]))
            }
        }

        private mutating func escape(inClass: Bool) throws(Unsupported) -> Node {
            guard let scalar = peek else { throw Unsupported(description: "a pattern ending in '\\'") }
            index += 1
            func single(_ value: UInt32) -> Node { .scalar(Matcher(items: [.range(value, value)])) }
            switch scalar {
            case "d": return .scalar(Matcher(items: [.digit(false)]))
            case "D": return .scalar(Matcher(items: [.digit(true)]))
            case "w": return .scalar(Matcher(items: [.word(false)]))
            case "W": return .scalar(Matcher(items: [.word(true)]))
            case "s": return .scalar(Matcher(items: [.space(false)]))
            case "S": return .scalar(Matcher(items: [.space(true)]))
            case "b": return inClass ? single(0x08) : .assertion(.wordBoundary)
            case "B" where !inClass: return .assertion(.notWordBoundary)
            case "t": return single(0x09)
            case "n": return single(0x0A)
            case "v": return single(0x0B)
            case "f": return single(0x0C)
            case "r": return single(0x0D)
            case "0": return single(0)
            case "x", "u":
                let length = scalar == "x" ? 2 : 4
                guard index + length <= text.count, let value = UInt32(String(String.UnicodeScalarView(text[index..<index + length])), radix: 16) else {
                    throw Unsupported(description: "a malformed \\\(scalar) escape")
                }
                index += length
                return single(value)
            case "1"..."9": throw Unsupported(description: "backreferences cannot be checked in linear time")
            case "k": throw Unsupported(description: "backreferences cannot be checked in linear time")
            default:
                guard !scalar.properties.isAlphabetic || !scalar.isASCII else { throw Unsupported(description: "an unknown escape '\\\(scalar)'") }
                return single(scalar.value)
            }
        }

        private mutating func characterClass() throws(Unsupported) -> Matcher {
            var matcher = Matcher(items: [])
            if peek == "^" {
                matcher.negated = true
                index += 1
            }
            while let scalar = peek, scalar != "]" {
                let low = try classMember()
                if peek == "-", index + 1 < text.count, text[index + 1] != "]", case .range(let start, let same) = low, start == same {
                    index += 1
                    guard case .range(let end, let last) = try classMember(), end == last, end >= start else {
                        throw Unsupported(description: "an invalid range in a character class")
                    }
                    matcher.items.append(.range(start, end))
                } else {
                    matcher.items.append(low)
                }
            }
            guard peek == "]" else { throw Unsupported(description: "an unclosed '['") }
            index += 1
            return matcher
        }

        private mutating func classMember() throws(Unsupported) -> Matcher.Item {
            let scalar = text[index]
            index += 1
            guard scalar == "\\" else { return .range(scalar.value, scalar.value) }
            guard case .scalar(let matcher) = try escape(inClass: true), let item = matcher.items.first else {
                throw Unsupported(description: "an invalid escape in a character class")
            }
            return item
        }
    }

    // MARK: Compiling

    struct Compiler {
        var program: [Instruction] = []

        mutating func emit(_ node: Node) throws(Unsupported) {
            guard program.count <= LinearPattern.maximumProgram else {
                throw Unsupported(description: "the pattern is too large to check (over \(LinearPattern.maximumProgram) steps once its repetitions are counted out)")
            }
            switch node {
            case .empty: break
            case .scalar(let matcher): program.append(.scalar(matcher))
            case .assertion(let assertion): program.append(.assert(assertion))
            case .sequence(let items): for item in items { try emit(item) }
            case .alternatives(let branches):
                var jumps: [Int] = []
                for (offset, branch) in branches.enumerated() {
                    if offset < branches.count - 1 {
                        let split = program.count
                        program.append(.split(split + 1, 0))
                        try emit(branch)
                        jumps.append(program.count)
                        program.append(.jump(0))
                        program[split] = .split(split + 1, program.count)
                    } else {
                        try emit(branch)
                    }
                }
                for jump in jumps { program[jump] = .jump(program.count) }
            case .repeated(let inner, let minimum, let maximum):
                for _ in 0..<minimum { try emit(inner) }
                if let maximum {
                    var splits: [Int] = []
                    for _ in minimum..<maximum {
                        splits.append(program.count)
                        program.append(.split(program.count + 1, 0))
                        try emit(inner)
                    }
                    for split in splits { program[split] = .split(split + 1, program.count) }
                } else {
                    let loop = program.count
                    program.append(.split(loop + 1, 0))
                    try emit(inner)
                    program.append(.jump(loop))
                    program[loop] = .split(loop + 1, program.count)
                }
            }
        }
    }
}
