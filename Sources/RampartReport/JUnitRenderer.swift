import RampartCore

/// JUnit XML: one test case per rule that ran, a failure for each rule with findings.
public struct JUnitRenderer {
    public init() {}

    public func render(_ report: Report) -> String {
        let byRule = Dictionary(grouping: report.findings, by: \.ruleId)
        var ruleIds = report.rules.map(\.id)
        for id in byRule.keys.sorted() where !ruleIds.contains(id) { ruleIds.append(id) }
        let failures = ruleIds.filter { byRule[$0] != nil }.count
        let suite = escapeMarkup("rampart \(report.command) \(report.target)")
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"rampart\" tests=\"\(ruleIds.count)\" failures=\"\(failures)\" errors=\"0\">\n"
        out += "  <testsuite name=\"\(suite)\" tests=\"\(ruleIds.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"0\">\n"
        out += "    <properties><property name=\"score\" value=\"\(report.score.value)\"/><property name=\"grade\" value=\"\(report.score.grade.rawValue)\"/></properties>\n"
        for id in ruleIds {
            let title = report.rule(id)?.title ?? byRule[id]?.first?.title ?? id
            out += "    <testcase classname=\"rampart.\(report.command)\" name=\"\(escapeMarkup(id + ": " + title))\""
            guard let findings = byRule[id] else { out += "/>\n"; continue }
            let worst = findings.map(\.severity).max()!
            out += ">\n      <failure message=\"\(findings.count) finding(s), \(worst.rawValue)\" type=\"\(worst.rawValue)\">"
            out += escapeMarkup(findings.map { finding in
                "\(finding.location.display): [\(finding.severity.rawValue)] \(finding.message)" + (finding.evidence?.curl.map { "\n  reproduce: \($0)" } ?? "")
            }.joined(separator: "\n"))
            out += "</failure>\n    </testcase>\n"
        }
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }
}
