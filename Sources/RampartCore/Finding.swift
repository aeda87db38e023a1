/// One problem found by any command, in the shared vocabulary.
public struct Finding: Codable, Hashable, Sendable {
    public var ruleId: String
    public var title: String
    public var severity: Severity
    public var confidence: Confidence
    public var owasp: OWASPCategory
    public var cwe: [Int]
    public var location: Location
    /// What exactly is wrong here, in one sentence.
    public var message: String
    public var evidence: Evidence?
    public var remediation: String
    public var fingerprint: String

    public init(
        rule: RuleMetadata, location: Location, message: String, confidence: Confidence = .firm,
        severity: Severity? = nil, evidence: Evidence? = nil
    ) {
        self.ruleId = rule.id
        self.title = rule.title
        self.severity = severity ?? rule.severity
        self.confidence = confidence
        self.owasp = rule.owasp
        self.cwe = rule.cwe
        self.location = location
        self.message = message
        self.evidence = evidence
        self.remediation = rule.remediation
        self.fingerprint = Fingerprint.of(ruleId: rule.id, location: location)
    }
}

extension Array where Element == Finding {
    /// Most severe first, then by place, so every output lists findings in one order.
    public func sortedForReport() -> [Finding] {
        // Sort small keys, not the findings themselves: a Finding is large and costly to move.
        let keys = map { finding in
            (severity: finding.severity, file: finding.location.position?.file ?? "", line: finding.location.position?.line ?? 0,
             rule: finding.ruleId, fingerprint: finding.fingerprint)
        }
        let order = keys.indices.sorted { a, b in
            let l = keys[a], r = keys[b]
            if l.severity != r.severity { return l.severity > r.severity }
            return (l.file, l.line, l.rule, l.fingerprint) < (r.file, r.line, r.rule, r.fingerprint)
        }
        return order.map { self[$0] }
    }
}
