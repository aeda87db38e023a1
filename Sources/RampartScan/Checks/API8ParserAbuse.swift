import Foundation
import RampartCore
import RampartHTTP

/// XML values parsed with external entities: an entity naming /etc/passwd expanded into the answer.
struct XMLExternalEntities: ScanCheck {
    let rule = RuleMetadata(
        id: "xxe", title: "XML external entities are resolved", severity: .high, owasp: .api8, cwe: [611],
        description: "An XML value was parsed with external entities enabled: an entity naming file:///etc/passwd was expanded into the answer (file disclosure, and SSRF through http entities).",
        remediation: "Disable DTDs and external entity resolution in the XML parser (or use a parser that never resolves them, such as defusedxml).")

    func run(_ scan: ScanContext) async {
        for point in scan.injectionPoints() where Self.isXML(point.value) || point.name.lowercased().contains("xml") {
            defer { scan.operationDone() }
            let payload = Self.payload(around: point.value)
            guard let exchange = await point.send(scan, payload: payload), PathTraversal.showsPasswd(exchange.response.text) else { continue }
            scan.report(rule, at: point.location(scan),
                        "\(point.place.rawValue) parameter \(point.name) of \(point.label): an external entity naming /etc/passwd was expanded into the answer",
                        proof: exchange)
        }
    }

    static func isXML(_ value: String) -> Bool {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.hasPrefix("<") && trimmed.hasSuffix(">")
    }

    /// The API's own XML with a DOCTYPE declaring the entity and every text node replaced by a reference to it,
    /// so that whichever element the API echoes carries it; a minimal document when the value is not XML.
    static func payload(around value: String) -> String {
        let declaration = #"<!ENTITY rampart SYSTEM "file:///etc/passwd">"#
        var body = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if body.hasPrefix("<?xml"), let end = body.range(of: "?>") { body = String(body[end.upperBound...]) }
        guard isXML(body), let rootName = body.dropFirst().prefix(while: { !" />\t\n".contains($0) }).nilIfEmpty else {
            return #"<?xml version="1.0"?><!DOCTYPE r [\#(declaration)]><r>&rampart;</r>"#
        }
        var withReferences = body.replacingOccurrences(of: #">[^<]+<"#, with: ">&rampart;<", options: .regularExpression)
        if withReferences == body, let close = body.firstIndex(of: ">") {
            withReferences.insert(contentsOf: "&rampart;", at: body.index(after: close))
        }
        return #"<?xml version="1.0"?><!DOCTYPE \#(rootName) [\#(declaration)]>"# + withReferences
    }
}

/// Regular expressions that backtrack: the answer time grows steeply with the length of a value that almost matches.
struct RegexDenialOfService: ScanCheck {
    let rule = RuleMetadata(
        id: "regex-dos", title: "Input validation takes exponential time (ReDoS)", severity: .medium, owasp: .api4, cwe: [1333, 400],
        description: "The answer time grew several times over when a value was lengthened by a few characters: a backtracking regular expression, so one short request can pin a CPU.",
        remediation: "Use a linear-time matcher (RE2, Rust regex) or rewrite the pattern without nested quantifiers; bound the input length before matching.")
    /// Lengths stay short: each step multiplies the cost on a vulnerable server, and its thread is not stopped when we give up.
    static let lengths = [12, 18, 24]

    func run(_ scan: ScanContext) async {
        for point in scan.injectionPoints() {
            defer { scan.operationDone() }
            var times: [Double] = []
            var proof: Exchange?
            for length in Self.lengths {
                guard let exchange = await point.send(scan, payload: String(repeating: "a", count: length) + "!") else { break }
                times.append(exchange.response.elapsed.inSeconds)
                proof = exchange
            }
            guard times.count == 3, let proof, Self.grows(times) else { continue }
            // Confirmed by a second long request, so that one slow moment is not a finding.
            guard let again = await point.send(scan, payload: String(repeating: "a", count: Self.lengths[2]) + "!"),
                  again.response.elapsed.inSeconds >= 0.4 else { continue }
            scan.report(rule, at: point.location(scan),
                        "\(point.place.rawValue) parameter \(point.name) of \(point.label): 'aaa…!' of \(Self.lengths.map(String.init).joined(separator: "/")) characters took "
                        + times.map { String(format: "%.2f s", $0) }.joined(separator: " / "),
                        proof: proof)
        }
    }

    /// Steep growth: the longest answer is slow in absolute terms and several times the middle one (a server that is
    /// merely slow answers all three alike).
    static func grows(_ times: [Double]) -> Bool {
        times[2] >= 0.4 && times[2] >= 4 * max(times[1], times[0])
    }
}

extension Substring {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : String(self) }
}
