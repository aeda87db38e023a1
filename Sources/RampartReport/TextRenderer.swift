import Foundation
import RampartCore

/// Human output: findings grouped by severity, one line each with `file:line` and rule id, then the score.
public struct TextRenderer {
    public var color: Bool
    public init(color: Bool) { self.color = color }

    private func paint(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    private func code(for severity: Severity) -> String {
        switch severity {
        case .critical: "1;35"
        case .high: "1;31"
        case .medium: "33"
        case .low: "36"
        case .info: "2"
        }
    }

    public func render(_ report: Report) -> String {
        var out = paint("rampart \(report.command)", "1") + " \(report.target)\n"
        for subject in report.subjects where subject.error != nil {
            out += paint("  error ", "1;31") + subject.error! + "\n"
        }
        for table in report.tables { out += "\n" + paint(table.title, "1") + "\n" + aligned(table) }
        let groups = Dictionary(grouping: report.findings, by: \.severity)
        for severity in Severity.descending {
            guard let findings = groups[severity] else { continue }
            out += "\n" + paint("\(severity.rawValue.uppercased()) (\(findings.count))", code(for: severity)) + "\n"
            for finding in findings {
                out += "  \(finding.location.display)  \(paint(finding.ruleId, code(for: severity)))  \(finding.message)\n"
                if let curl = finding.evidence?.curl { out += paint("      \(curl.count > 300 ? String(curl.prefix(300)) + "…" : curl)", "2") + "\n" }
            }
        }
        if report.findings.isEmpty { out += "\nNo findings.\n" }
        if report.subjects.count > 1 {
            let audited = report.subjects.filter { $0.error == nil }
            out += "\n\(audited.count) of \(report.subjects.count) inputs processed"
            if let worst = audited.min(by: { ($0.score?.value ?? 100) < ($1.score?.value ?? 100) }), let score = worst.score {
                out += "; worst: \(worst.name) \(score.grade.rawValue) (\(score.value))"
            }
            out += "\n"
        }
        let counts = Severity.descending.compactMap { s in report.countsBySeverity[s].map { "\($0) \(s.rawValue)" } }
        out += "\n" + paint("Score \(report.score.value)/100, grade \(report.score.grade.rawValue)", "1")
        out += counts.isEmpty ? "\n" : " · " + counts.joined(separator: ", ") + "\n"
        return out
    }

    /// Columns padded to their widest cell.
    private func aligned(_ table: Report.Table) -> String {
        let widths = table.columns.indices.map { column in ([table.columns] + table.rows).map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            "  " + cells.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
        }
        return paint(line(table.columns), "2") + table.rows.map(line).joined()
    }
}
