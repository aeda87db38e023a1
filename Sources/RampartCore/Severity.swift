/// How bad a finding is. Ordered: `info < low < medium < high < critical`.
public enum Severity: String, Codable, CaseIterable, Comparable, Sendable {
    case info, low, medium, high, critical

    private var rank: Int {
        switch self {
        case .info: 0
        case .low: 1
        case .medium: 2
        case .high: 3
        case .critical: 4
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

    /// Highest first, the order reports list them in.
    public static let descending: [Severity] = [.critical, .high, .medium, .low, .info]

    /// The CVSS-like number GitHub code scanning reads from SARIF `security-severity`.
    public var securitySeverity: String {
        switch self {
        case .critical: "9.5"
        case .high: "8.0"
        case .medium: "5.5"
        case .low: "3.0"
        case .info: "0.0"
        }
    }
}

/// How sure the tool is that a finding is real.
public enum Confidence: String, Codable, CaseIterable, Comparable, Sendable {
    case tentative, firm, certain

    public static func < (lhs: Confidence, rhs: Confidence) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
