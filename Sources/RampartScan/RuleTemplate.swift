import Foundation
import RampartCore
import RampartHTTP
import RampartSpec

/// A check written as data (a rule pack file): requests, payloads, matchers and extractors.
/// The format is documented in docs/rule-packs.md.
public struct RuleTemplate: Sendable {
    public var rule: RuleMetadata
    public var requests: [TemplateRequest]
    public var file: String

    public struct TemplateRequest: Sendable {
        public var method: String
        public var paths: [String]
        public var headers: [(name: String, value: String)]
        public var body: String?
        /// `{{name}}` in paths, headers and body is replaced by each value in turn.
        public var payloads: [String: [String]]
        /// Send as this identity (`user`, `admin` or a name); anonymous when absent.
        public var identity: String?
        public var matchers: [Matcher]
        /// `and` (all matchers) or `or` (any).
        public var matchAll: Bool
        public var extractors: [Extractor]
    }

    public struct Matcher: Sendable {
        public enum Kind: Sendable { case status([Int]), word([String]), regex([String]) }
        public var kind: Kind
        /// body, header or all.
        public var part: String
        public var negative: Bool
        /// For words and regexes: all must match (`and`) or any (`or`).
        public var all: Bool
    }

    public struct Extractor: Sendable {
        public var name: String
        public var part: String
        public var regex: String
        public var group: Int
    }
}

/// Loads rule packs: every `.yaml`/`.yml` file in a folder, each one template. Errors name file, line and key.
public enum RulePackLoader {
    static let topKeys = ["id", "title", "severity", "owasp", "cwe", "description", "remediation", "references", "requests"]
    static let requestKeys = ["method", "path", "paths", "headers", "body", "payloads", "identity", "matchers", "matchers-condition", "extractors"]

    /// The built-in packs, bundled with the scanner.
    public static func builtIn() throws(SpecError) -> [RuleTemplate] {
        guard let folder = Bundle.module.url(forResource: "Rules", withExtension: nil) else { return [] }
        return try load(folder: folder.path)
    }

    public static func load(folder: String) throws(SpecError) -> [RuleTemplate] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw SpecError(file: folder, problem: "not a folder of rule pack files")
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        var templates: [RuleTemplate] = []
        var seen: [String: String] = [:]
        for name in names {
            let path = (folder as NSString).appendingPathComponent(name)
            let template = try parse(SpecDocument(path: path).root)
            if let other = seen[template.rule.id] { throw SpecError(file: path, problem: "rule id '\(template.rule.id)' is already used by \(other)") }
            seen[template.rule.id] = path
            templates.append(template)
        }
        return templates
    }

    public static func parse(_ root: Cursor) throws(SpecError) -> RuleTemplate {
        guard root.node.isObject else { throw root.error("a rule pack file must be a mapping (id:, title:, requests:…)") }
        for (key, cursor) in root.entries where !topKeys.contains(key) {
            throw cursor.error("unknown key '\(key)' (expected: \(topKeys.joined(separator: ", ")))")
        }
        let id = try root.requiredString("id")
        guard id.range(of: "^[a-z0-9][a-z0-9-]*$", options: .regularExpression) != nil else { throw root["id"]!.error("'id' must be lower-case words joined by hyphens") }
        let severityText = try root.requiredString("severity")
        guard let severity = Severity(rawValue: severityText.lowercased()) else { throw root["severity"]!.error("'\(severityText)' is not a severity (critical, high, medium, low, info)") }
        let owaspText = try root.requiredString("owasp")
        guard let owasp = OWASPCategory(rawValue: owaspText.uppercased()) else { throw root["owasp"]!.error("'\(owaspText)' is not an OWASP API 2023 category (API1 … API10)") }
        var cwe: [Int] = []
        for item in root["cwe"]?.items ?? [] {
            guard let number = item.node.number, number > 0 else { throw item.error("'cwe' entries must be CWE numbers") }
            cwe.append(Int(number))
        }
        let rule = RuleMetadata(id: id, title: try root.requiredString("title"), severity: severity, owasp: owasp, cwe: cwe,
                                description: try root.requiredString("description"), remediation: try root.requiredString("remediation"),
                                references: root["references"]?.node.strings ?? [])
        guard let requests = root["requests"], case .array(let items) = requests.node.value, !items.isEmpty else {
            throw (root["requests"] ?? root).error("'requests' must be a non-empty list")
        }
        var parsed: [RuleTemplate.TemplateRequest] = []
        for item in requests.items { parsed.append(try request(item)) }
        return RuleTemplate(rule: rule, requests: parsed, file: root.file)
    }

    static func request(_ cursor: Cursor) throws(SpecError) -> RuleTemplate.TemplateRequest {
        guard cursor.node.isObject else { throw cursor.error("each request must be a mapping (method:, path:, matchers:…)") }
        for (key, value) in cursor.entries where !requestKeys.contains(key) {
            throw value.error("unknown key '\(key)' in a request (expected: \(requestKeys.joined(separator: ", ")))")
        }
        let method = (cursor["method"]?.node.string ?? "GET").uppercased()
        guard method.range(of: "^[A-Z]+$", options: .regularExpression) != nil else { throw cursor["method"]!.error("'\(method)' is not an HTTP method") }
        let paths = (cursor["path"]?.node.strings ?? []) + (cursor["paths"]?.node.strings ?? [])
        guard !paths.isEmpty else { throw cursor.error("a request needs 'path' or 'paths'") }
        for path in paths where !path.hasPrefix("/") { throw (cursor["path"] ?? cursor["paths"]!).error("paths must start with / (they are relative to the target): '\(path)'") }
        var headers: [(name: String, value: String)] = []
        if let cursorHeaders = cursor["headers"] {
            guard cursorHeaders.node.isObject else { throw cursorHeaders.error("'headers' must map names to values") }
            for (name, value) in cursorHeaders.entries {
                guard let text = value.node.scalarText else { throw value.error("header '\(name)' must be a string") }
                headers.append((name, text))
            }
        }
        var payloads: [String: [String]] = [:]
        if let cursorPayloads = cursor["payloads"] {
            guard cursorPayloads.node.isObject else { throw cursorPayloads.error("'payloads' must map names to lists of values") }
            for (name, values) in cursorPayloads.entries {
                guard case .array = values.node.value, !values.node.strings.isEmpty else { throw values.error("payload '\(name)' must be a non-empty list of strings") }
                payloads[name] = values.node.strings
            }
        }
        let condition = cursor["matchers-condition"]?.node.string ?? "and"
        guard ["and", "or"].contains(condition) else { throw cursor["matchers-condition"]!.error("'matchers-condition' must be and or or") }
        guard let matcherList = cursor["matchers"], case .array = matcherList.node.value, !matcherList.items.isEmpty else {
            throw (cursor["matchers"] ?? cursor).error("a request needs a non-empty 'matchers' list (without one every answer would be a finding)")
        }
        var matchers: [RuleTemplate.Matcher] = []
        for item in matcherList.items { matchers.append(try matcher(item)) }
        var extractors: [RuleTemplate.Extractor] = []
        for item in cursor["extractors"]?.items ?? [] {
            guard let regex = item["regex"]?.node.string else { throw item.error("an extractor needs 'regex'") }
            guard (try? NSRegularExpression(pattern: regex)) != nil else { throw item["regex"]!.error("'\(regex)' is not a valid regular expression") }
            extractors.append(.init(name: item["name"]?.node.string ?? "value", part: item["part"]?.node.string ?? "body", regex: regex,
                                    group: Int(item["group"]?.node.number ?? 0)))
        }
        return .init(method: method, paths: paths, headers: headers, body: cursor["body"]?.node.scalarText, payloads: payloads,
                     identity: cursor["identity"]?.node.string, matchers: matchers, matchAll: condition == "and", extractors: extractors)
    }

    static func matcher(_ cursor: Cursor) throws(SpecError) -> RuleTemplate.Matcher {
        guard cursor.node.isObject, let type = cursor["type"]?.node.string else { throw cursor.error("a matcher needs 'type' (status, word or regex)") }
        for (key, value) in cursor.entries where !["type", "status", "words", "regex", "part", "negative", "condition"].contains(key) {
            throw value.error("unknown key '\(key)' in a matcher (expected: type, status, words, regex, part, negative, condition)")
        }
        let part = cursor["part"]?.node.string ?? "body"
        guard ["body", "header", "all"].contains(part) else { throw cursor["part"]!.error("'part' must be body, header or all") }
        let kind: RuleTemplate.Matcher.Kind
        switch type {
        case "status":
            let codes = (cursor["status"]?.items ?? []).compactMap { $0.node.number.map(Int.init) }
            guard !codes.isEmpty else { throw cursor.error("a status matcher needs 'status': a list of codes") }
            kind = .status(codes)
        case "word":
            let words = cursor["words"]?.node.strings ?? []
            guard !words.isEmpty else { throw cursor.error("a word matcher needs 'words': a list of strings") }
            kind = .word(words)
        case "regex":
            let patterns = cursor["regex"]?.node.strings ?? []
            guard !patterns.isEmpty else { throw cursor.error("a regex matcher needs 'regex': a list of patterns") }
            for pattern in patterns where (try? NSRegularExpression(pattern: pattern)) == nil {
                throw cursor["regex"]!.error("'\(pattern)' is not a valid regular expression")
            }
            kind = .regex(patterns)
        default:
            throw cursor["type"]!.error("unknown matcher type '\(type)' (expected: status, word, regex)")
        }
        return .init(kind: kind, part: part, negative: cursor["negative"]?.node.bool ?? false, all: cursor["condition"]?.node.string == "and")
    }
}

/// Runs one template against the target.
struct TemplateCheck: ScanCheck {
    let template: RuleTemplate
    var rule: RuleMetadata { template.rule }

    func run(_ scan: ScanContext) async {
        for request in template.requests {
            let identity: String? = switch request.identity {
            case nil: nil
            case "user": scan.users.first?.identity.name
            case "admin": scan.admins.first?.identity.name
            case let name?: name
            }
            for path in request.paths {
                for substitution in Self.combinations(request.payloads) {
                    defer { scan.operationDone() }
                    let fill = { (text: String) in substitution.reduce(text) { $0.replacingOccurrences(of: "{{\($1.key)}}", with: $1.value) } }
                    var outbound = OutboundRequest(method: request.method, url: scan.url(fill(path)), headers: request.headers.map { ($0.name, fill($0.value)) })
                    if let body = request.body { outbound.body = Data(fill(body).utf8) }
                    guard let exchange = await scan.send(outbound, as: identity), Self.matches(request, exchange.response) else { continue }
                    let extracted = request.extractors.compactMap { extractor in Self.extract(extractor, from: exchange.response).map { "\(extractor.name): \($0)" } }
                    scan.report(rule, at: Location(method: request.method, path: fill(path)),
                                "\(request.method) \(fill(path)) matched\(extracted.isEmpty ? "" : " (" + extracted.joined(separator: "; ") + ")")", proof: exchange)
                    return
                }
            }
        }
    }

    static func combinations(_ payloads: [String: [String]]) -> [[String: String]] {
        payloads.sorted { $0.key < $1.key }.reduce([[:]]) { partial, entry in
            partial.flatMap { combination in entry.value.map { value in combination.merging([entry.key: value]) { $1 } } }
        }
    }

    static func text(_ part: String, of response: ReceivedResponse) -> String {
        let headers = response.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
        switch part {
        case "header": return headers
        case "all": return headers + "\n\n" + response.text
        default: return response.text
        }
    }

    static func matches(_ request: RuleTemplate.TemplateRequest, _ response: ReceivedResponse) -> Bool {
        let results = request.matchers.map { matcher -> Bool in
            let text = text(matcher.part, of: response)
            let hit: Bool
            switch matcher.kind {
            case .status(let codes): hit = codes.contains(response.status)
            case .word(let words):
                hit = matcher.all ? words.allSatisfy { text.contains($0) } : words.contains { text.contains($0) }
            case .regex(let patterns):
                let found = { (pattern: String) in text.range(of: pattern, options: .regularExpression) != nil }
                hit = matcher.all ? patterns.allSatisfy(found) : patterns.contains(where: found)
            }
            return hit != matcher.negative
        }
        return request.matchAll ? !results.contains(false) : results.contains(true)
    }

    static func extract(_ extractor: RuleTemplate.Extractor, from response: ReceivedResponse) -> String? {
        let text = text(extractor.part, of: response)
        guard let expression = try? NSRegularExpression(pattern: extractor.regex),
              let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              extractor.group < match.numberOfRanges, let range = Range(match.range(at: extractor.group), in: text) else { return nil }
        return String(text[range].prefix(80))
    }
}
