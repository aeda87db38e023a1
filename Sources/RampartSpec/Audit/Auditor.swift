import RampartCore

/// Per-run choices: rules switched off, severities changed (from `rampart.yml`).
public struct AuditOptions: Sendable {
    public var disabledRules: Set<String>
    public var severityOverrides: [String: Severity]

    public init(disabledRules: Set<String> = [], severityOverrides: [String: Severity] = [:]) {
        self.disabledRules = disabledRules
        self.severityOverrides = severityOverrides
    }
}

public struct AuditResult: Sendable {
    public var file: String
    public var findings: [Finding]
    public var inventory: Inventory
    public var filesLoaded: Int
}

/// Runs the registered rules over one description and turns their hits into findings.
public enum Auditor {
    public static var metadata: [RuleMetadata] { rules.map { $0.metadata } }

    /// - Parameter referenceRoot: the folder `$ref`s may read files from (default: the spec's own folder).
    public static func audit(path: String, options: AuditOptions = .init(), referenceRoot: String? = nil) throws(SpecError) -> AuditResult {
        audit(try APIDescription(SpecDocument(path: path, referenceRoot: referenceRoot)), options: options)
    }

    public static func audit(_ api: APIDescription, options: AuditOptions = .init()) -> AuditResult {
        var findings: [Finding] = []
        var seen: Set<String> = []
        var ruleHits: [(RuleMetadata, [RuleHit])] = []
        for rule in rules where !options.disabledRules.contains(rule.metadata.id) {
            var hits: [RuleHit] = []
            rule.init().check(api, &hits)
            ruleHits.append((rule.metadata, hits))
        }
        // Checked after every rule ran: only then have all referenced files been loaded.
        let honourIgnores = api.document.mentionsInlineIgnores
        for (rule, hits) in ruleHits {
            for hit in hits where !(honourIgnores && isIgnored(rule.id, at: hit.cursor, in: api.document)) {
                let finding = makeFinding(rule, hit, api.document, severity: options.severityOverrides[rule.id])
                // One finding per rule and place, even when several operations reach the same parameter or schema.
                if seen.insert(finding.fingerprint).inserted { findings.append(finding) }
            }
        }
        return AuditResult(file: api.document.rootFile, findings: findings.sortedForReport(), inventory: api.inventory,
                           filesLoaded: api.document.fileCount)
    }

    static func makeFinding(_ rule: RuleMetadata, _ hit: RuleHit, _ document: SpecDocument, severity: Severity?) -> Finding {
        let cursor = hit.cursor
        let line = cursor.node.reportLine, column = cursor.node.reportColumn
        let excerpt = document.excerpt(file: cursor.file, line: line, column: column)
        return Finding(
            rule: rule,
            location: Location(pointer: cursor.pointer, position: SourcePosition(file: cursor.file, line: line, column: column)),
            message: hit.message, confidence: hit.confidence, severity: severity,
            evidence: excerpt.map { Evidence(excerpt: $0) })
    }

    /// `x-rampart-ignore: [rule-id, …]` (or `[all]`) on a node silences those rules there and below.
    static func isIgnored(_ ruleId: String, at cursor: Cursor, in document: SpecDocument) -> Bool {
        let nodes = document.path(file: cursor.file, pointer: cursor.pointer) ?? [cursor.node]
        return nodes.contains { node in
            guard let list = node["x-rampart-ignore"]?.strings else { return false }
            return list.contains(ruleId) || list.contains("all")
        }
    }
}
