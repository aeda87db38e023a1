import RampartCore

/// A compact summary for a pull-request comment.
public struct MarkdownRenderer {
    public static let maxRows = 50
    public init() {}

    private func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    public func render(_ report: Report) -> String {
        var out = "## Rampart \(report.command): grade \(report.score.grade.rawValue) (\(report.score.value)/100)\n\n"
        out += "`\(report.target)` · \(report.findings.count) finding(s)\n\n"
        out += "| " + Severity.descending.map { $0.rawValue }.joined(separator: " | ") + " |\n"
        out += "|" + String(repeating: "---:|", count: Severity.allCases.count) + "\n"
        out += "| " + Severity.descending.map { "\(report.countsBySeverity[$0] ?? 0)" }.joined(separator: " | ") + " |\n\n"
        for subject in report.subjects where subject.error != nil { out += "- :x: \(cell(subject.error!))\n" }
        for table in report.tables {
            out += "### \(table.title)\n\n| " + table.columns.map(cell).joined(separator: " | ") + " |\n|" + String(repeating: "---|", count: table.columns.count) + "\n"
            for row in table.rows.prefix(Self.maxRows) { out += "| " + row.map(cell).joined(separator: " | ") + " |\n" }
            if table.rows.count > Self.maxRows { out += "\n…and \(table.rows.count - Self.maxRows) more rows.\n" }
            out += "\n"
        }
        guard !report.findings.isEmpty else { return out + "No findings.\n" }
        out += "| Severity | Rule | Where | Finding |\n|---|---|---|---|\n"
        for finding in report.findings.prefix(Self.maxRows) {
            out += "| \(finding.severity.rawValue) | `\(finding.ruleId)` (\(finding.owasp.rawValue)) | `\(cell(finding.location.display))` | \(cell(finding.message)) |\n"
        }
        let reproducible = report.findings.prefix(Self.maxRows).filter { $0.evidence?.curl != nil }
        if !reproducible.isEmpty {
            out += "\n<details><summary>Reproduce</summary>\n\n"
            for finding in reproducible { out += "`\(finding.ruleId)` \(cell(finding.location.display)):\n\n```sh\n\(finding.evidence!.curl!)\n```\n\n" }
            out += "</details>\n"
        }
        if report.findings.count > Self.maxRows {
            out += "\n…and \(report.findings.count - Self.maxRows) more; see the full report (`--format html` or `sarif`).\n"
        }
        return out
    }
}
