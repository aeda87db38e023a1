import RampartCore

struct PatternUnanchored: AuditRule {
    static let metadata = RuleMetadata(
        id: "pattern-unanchored", title: "Pattern without anchors", severity: .low, owasp: .api8, cwe: [625],
        description: "A `pattern` without `^` and `$` matches anywhere in the value, so `[a-z]+` accepts `abc'; DROP TABLE users`.",
        remediation: "Anchor input patterns: `^[a-z]+$`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.inputSchemas {
            guard let pattern = schema["pattern"], let text = pattern.node.string, !(text.hasPrefix("^") && text.hasSuffix("$")) else { continue }
            hits.flag(pattern, "pattern '\(text.prefix(60))' is not anchored with ^…$")
        }
    }
}
