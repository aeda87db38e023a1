import RampartCore

/// The rule catalogue (`rampart rules`), as Markdown for `docs/rules.md` and as JSON.
public enum RuleCatalogue {
    public static func markdown(_ rules: [RuleMetadata]) -> String {
        var out = "| Rule | Severity | OWASP | CWE | Title |\n|---|---|---|---|---|\n"
        for rule in rules {
            out += "| [`\(rule.id)`](#\(rule.id)) | \(rule.severity.rawValue) | \(rule.owasp.rawValue) | \(rule.cwe.map { "CWE-\($0)" }.joined(separator: ", ")) | \(rule.title) |\n"
        }
        for rule in rules {
            out += "\n### \(rule.id)\n\n**\(rule.title)** · \(rule.severity.rawValue) · \(rule.owasp.label) · "
            out += rule.cwe.map { "[CWE-\($0)](https://cwe.mitre.org/data/definitions/\($0).html)" }.joined(separator: ", ") + "\n\n"
            out += "\(rule.description)\n\n**Fix:** \(rule.remediation)\n"
            if !rule.references.isEmpty { out += "\n" + rule.references.map { "- <\($0)>" }.joined(separator: "\n") + "\n" }
        }
        return out
    }

    public static func json(_ rules: [RuleMetadata]) -> String { encode(rules) }
}
