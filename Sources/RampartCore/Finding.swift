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
        sorted {
            if $0.severity != $1.severity { return $0.severity > $1.severity }
            let l = ($0.location.position?.file ?? "", $0.location.position?.line ?? 0)
            let r = ($1.location.position?.file ?? "", $1.location.position?.line ?? 0)
            if l != r { return l < r }
            return ($0.ruleId, $0.location.stableKey) < ($1.ruleId, $1.location.stableKey)
        }
    }
}
