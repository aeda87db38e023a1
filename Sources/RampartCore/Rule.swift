/// What every rule, check and policy declares about itself. The catalogue
/// (`rampart rules`), SARIF `tool.driver.rules` and the docs are generated from it.
public struct RuleMetadata: Codable, Hashable, Sendable {
    public var id: String
    public var title: String
    public var severity: Severity
    public var owasp: OWASPCategory
    public var cwe: [Int]
    public var description: String
    public var remediation: String
    public var references: [String]

    public init(
        id: String, title: String, severity: Severity, owasp: OWASPCategory, cwe: [Int],
        description: String, remediation: String, references: [String] = []
    ) {
        self.id = id
        self.title = title
        self.severity = severity
        self.owasp = owasp
        self.cwe = cwe
        self.description = description
        self.remediation = remediation
        self.references = references
    }

    /// The OWASP page first, then the rule's own references.
    public var allReferences: [String] { [owasp.reference] + references }
}
