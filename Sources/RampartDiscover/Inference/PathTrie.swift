/// Concrete paths folded into route templates: `/users/8812/orders/5` → `/users/{userId}/orders/{orderId}`.
///
/// Segments that are surely values (numbers, UUIDs, hashes, dates, e-mails, tokens) become parameters as they
/// arrive. Words are kept, unless their siblings show they are values too: several language codes side by side
/// become `{locale}`; many slug-shaped words (`red-wool-scarf`, `report-2024.pdf`) under one parent become one
/// parameter, except the ones called far more often than the rest, which are routes of their own (`/articles/latest`).
/// Versions (`v1`) and a lone word beside values (`/users/me`) always stay.
final class PathTrie {
    final class Node {
        var literals: [String: Node] = [:]
        var parameter: Node?
        var kinds: Set<SegmentKind> = []
        /// Requests whose path ends here, by method.
        var operations: [String: OperationStats] = [:]
        /// Requests whose path passes through or ends here.
        var count = 0

        func merge(_ other: Node) {
            count += other.count
            kinds.formUnion(other.kinds)
            for (method, stats) in other.operations {
                if let mine = operations[method] { mine.merge(stats) } else { operations[method] = stats }
            }
            for (word, child) in other.literals {
                if let mine = literals[word] { mine.merge(child) } else { literals[word] = child }
            }
            if let theirs = other.parameter {
                if let mine = parameter { mine.merge(theirs) } else { parameter = theirs }
            }
        }
    }

    let root = Node()
    /// Distinct words kept under one parent; past this, new words go straight to its parameter (bounded memory).
    static let literalLimit = 2_000
    /// At least this many slug-shaped siblings make a parameter.
    static let slugSiblings = 4

    func add(_ record: TrafficRecord) {
        var node = root
        node.count += 1
        for raw in record.path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            let segment = TrafficRecord.percentDecoded(Substring(raw))[...]
            if let kind = SegmentKind.classify(segment) {
                node = child(parameterOf: node, kind: kind)
            } else if let existing = node.literals[String(segment)] {
                node = existing
            } else if node.literals.count >= Self.literalLimit {
                node = child(parameterOf: node, kind: .slug)
            } else {
                let fresh = Node()
                node.literals[String(segment)] = fresh
                node = fresh
            }
            node.count += 1
        }
        let stats = node.operations[record.method] ?? OperationStats()
        node.operations[record.method] = stats
        stats.add(record)
    }

    private func child(parameterOf node: Node, kind: SegmentKind) -> Node {
        let child = node.parameter ?? Node()
        node.parameter = child
        child.kinds.insert(kind)
        return child
    }

    /// Folds value-like words into parameters, everywhere in the tree.
    func fold() { fold(root, isRoot: true) }

    private func fold(_ node: Node, isRoot: Bool) {
        let locales = node.literals.keys.filter { SegmentKind.isLocale(Substring($0)) }
        if locales.count >= 2 { absorb(locales, of: node, kind: .locale) }
        if !isRoot {
            let slugs = node.literals.filter { SegmentKind.looksLikeSlug(Substring($0.key)) }
            if slugs.count >= Self.slugSiblings {
                // A route among slugs is called far more often than a typical slug.
                let counts = slugs.values.map(\.count).sorted()
                let typical = counts[counts.count / 2]
                absorb(slugs.filter { $0.value.count <= max(5, typical * 4) }.map(\.key), of: node, kind: .slug)
            }
        }
        for child in node.literals.values { fold(child, isRoot: false) }
        if let parameter = node.parameter { fold(parameter, isRoot: false) }
    }

    private func absorb(_ words: [String], of node: Node, kind: SegmentKind) {
        guard !words.isEmpty else { return }
        let target = node.parameter ?? Node()
        node.parameter = target
        target.kinds.insert(kind)
        for word in words {
            if let child = node.literals.removeValue(forKey: word) { target.merge(child) }
        }
    }

    /// Every operation with its template, parameters named after the word before them (`users` → `userId`).
    func templates() -> [(method: String, template: String, pathParameters: [(name: String, kinds: Set<SegmentKind>)], stats: OperationStats)] {
        var out: [(String, String, [(name: String, kinds: Set<SegmentKind>)], OperationStats)] = []
        func walk(_ node: Node, path: [String], parameters: [(name: String, kinds: Set<SegmentKind>)], previous: String?) {
            for (method, stats) in node.operations {
                out.append((method, "/" + path.joined(separator: "/"), parameters, stats))
            }
            for (word, child) in node.literals { walk(child, path: path + [word], parameters: parameters, previous: word) }
            if let child = node.parameter {
                var name = Self.parameterName(kinds: child.kinds, previous: previous)
                let used = Set(parameters.map(\.name))
                if used.contains(name) { name += String((2...).first { !used.contains(name + String($0)) }!) }
                walk(child, path: path + ["{\(name)}"], parameters: parameters + [(name, child.kinds)], previous: nil)
            }
        }
        walk(root, path: [], parameters: [], previous: nil)
        return out.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
    }

    static func parameterName(kinds: Set<SegmentKind>, previous: String?) -> String {
        if kinds == [.locale] { return "locale" }
        if kinds == [.date] { return "date" }
        if kinds == [.email] { return "email" }
        guard let previous, let first = previous.first, first.isLetter else { return "id" }
        let words = previous.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        let camel = words.enumerated().map { $0.offset == 0 ? $0.element.lowercased() : $0.element.capitalized }.joined()
        return singular(camel) + (kinds == [.slug] ? "Name" : "Id")
    }

    static func singular(_ word: String) -> String {
        if word.hasSuffix("ies") && word.count > 4 { return String(word.dropLast(3)) + "y" }
        if word.hasSuffix("sses") || word.hasSuffix("xes") || word.hasSuffix("ches") || word.hasSuffix("shes") { return String(word.dropLast(2)) }
        if word.hasSuffix("s") && !word.hasSuffix("ss") && word.count > 3 { return String(word.dropLast()) }
        return word
    }
}
