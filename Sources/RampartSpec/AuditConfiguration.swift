import RampartCore

/// The `audit:` section of `rampart.yml`:
///
///     audit:
///       disable: [string-unrestricted, missing-contact]
///       severity:
///         http-basic-auth: high
///
/// Validated on load: unknown keys, unknown rule ids and bad values are errors naming file, line and key.
public enum AuditConfiguration {
    /// Sections of `rampart.yml`; `scan:` is read by the scanner (RampartHTTP.ScanConfiguration).
    public static let topLevelKeys = ["audit", "scan"]

    public static func load(path: String) throws(SpecError) -> AuditOptions {
        let document = try SpecDocument(path: path)
        return try parse(document.root)
    }

    public static func parse(_ root: Cursor) throws(SpecError) -> AuditOptions {
        if case .null = root.node.value { return AuditOptions() }
        guard root.node.isObject else { throw root.error("the configuration must be a mapping of sections (audit: …)") }
        for (key, cursor) in root.entries where !topLevelKeys.contains(key) {
            throw cursor.error("unknown section '\(key)' (expected: \(topLevelKeys.joined(separator: ", ")))")
        }
        guard let audit = root["audit"] else { return AuditOptions() }
        if case .null = audit.node.value { return AuditOptions() }
        guard audit.node.isObject else { throw audit.error("'audit' must be a mapping (disable:, severity:)") }
        let known = Set(Auditor.metadata.map(\.id))
        var options = AuditOptions()
        for (key, cursor) in audit.entries {
            switch key {
            case "disable":
                guard case .array = cursor.node.value else { throw cursor.error("'audit.disable' must be a list of rule ids") }
                for item in cursor.items {
                    guard let id = item.node.string else { throw item.error("'audit.disable' entries must be rule ids") }
                    guard known.contains(id) else { throw item.error("unknown rule '\(id)' (see `rampart rules`)") }
                    options.disabledRules.insert(id)
                }
            case "severity":
                guard cursor.node.isObject else { throw cursor.error("'audit.severity' must map rule ids to severities") }
                for (id, value) in cursor.entries {
                    guard known.contains(id) else { throw value.error("unknown rule '\(id)' (see `rampart rules`)") }
                    guard let text = value.node.string, let severity = Severity(rawValue: text.lowercased()) else {
                        throw value.error("'\(value.node.scalarText ?? "?")' is not a severity (critical, high, medium, low, info)")
                    }
                    options.severityOverrides[id] = severity
                }
            default:
                throw cursor.error("unknown key 'audit.\(key)' (expected: disable, severity)")
            }
        }
        return options
    }
}
