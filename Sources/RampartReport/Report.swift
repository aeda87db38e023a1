import RampartCore

/// What every command hands to a renderer: findings in the shared vocabulary and their score.
public struct Report: Sendable {
    public struct Tool: Codable, Sendable {
        public var name = "rampart"
        public var version: String
        public var informationUri = "https://github.com/rampart-security/rampart"
        public init(version: String) { self.version = version }
    }

    /// One audited spec, scanned API or rated host, for runs over many.
    public struct Subject: Codable, Sendable {
        public var name: String
        public var score: Score?
        public var findings: Int
        /// Why this subject could not be processed (input errors), if it could not.
        public var error: String?

        public init(name: String, score: Score?, findings: Int, error: String? = nil) {
            self.name = name
            self.score = score
            self.findings = findings
            self.error = error
        }
    }

    /// A table a command adds beside its findings (`discover`'s inventory of endpoints).
    public struct Table: Sendable {
        public var title: String
        public var columns: [String]
        public var rows: [[String]]

        public init(title: String, columns: [String], rows: [[String]]) {
            self.title = title
            self.columns = columns
            self.rows = rows
        }
    }

    /// What a scan did: the requests it sent, the operations it tested, how long it took and whether it finished.
    public struct Run: Codable, Sendable {
        public var requests: Int
        public var operations: Int
        public var seconds: Double
        public var partial: Bool

        public init(requests: Int, operations: Int, seconds: Double, partial: Bool) {
            self.requests = requests
            self.operations = operations
            self.seconds = seconds
            self.partial = partial
        }
    }

    public var tool: Tool
    /// `audit`, `scan`, `rate`…
    public var command: String
    public var target: String
    public var findings: [Finding]
    public var score: Score
    /// The rules that ran (SARIF's rule table, JUnit's test cases).
    public var rules: [RuleMetadata]
    public var subjects: [Subject]
    public var tables: [Table]
    public var run: Run?

    /// - Parameter score: the score to report when the command grades by its own rule (`rate`'s portfolio);
    ///   by default the shared model's score of the findings.
    public init(tool: Tool, command: String, target: String, findings: [Finding], rules: [RuleMetadata], subjects: [Subject] = [],
                score: Score? = nil, tables: [Table] = [], run: Run? = nil) {
        self.tool = tool
        self.command = command
        self.target = target
        self.findings = findings.sortedForReport()
        self.score = score ?? ScoreModel.score(findings)
        self.rules = rules
        self.subjects = subjects
        self.tables = tables
        self.run = run
    }

    public var countsBySeverity: [Severity: Int] { Dictionary(grouping: findings, by: \.severity).mapValues(\.count) }
    public var countsByOWASP: [OWASPCategory: Int] { Dictionary(grouping: findings, by: \.owasp).mapValues(\.count) }

    public func rule(_ id: String) -> RuleMetadata? { rules.first { $0.id == id } }
}

public enum ReportFormat: String, CaseIterable, Sendable {
    case text, json, sarif, junit, markdown, html

    public func render(_ report: Report, color: Bool = false) -> String {
        switch self {
        case .text: TextRenderer(color: color).render(report)
        case .json: JSONRenderer().render(report)
        case .sarif: SARIFRenderer().render(report)
        case .junit: JUnitRenderer().render(report)
        case .markdown: MarkdownRenderer().render(report)
        case .html: HTMLRenderer().render(report)
        }
    }
}

/// Escaping shared by the XML and HTML renderers.
func escapeMarkup(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        // Characters XML 1.0 forbids are dropped rather than producing an unreadable file.
        case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}": continue
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
