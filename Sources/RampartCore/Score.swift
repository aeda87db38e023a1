/// Letter grades, best first.
public enum Grade: String, Codable, CaseIterable, Sendable {
    case aPlus = "A+", a = "A", b = "B", c = "C", d = "D", f = "F"
}

/// The score of a set of findings: 0–100 and a grade. The model is documented,
/// number by number, in `docs/scoring.md`; every command uses this one.
public struct Score: Codable, Hashable, Sendable {
    public var value: Int
    public var grade: Grade
    /// Points taken away, by rule id: the "why" behind the number.
    public var deductions: [String: Double]

    public init(value: Int, grade: Grade, deductions: [String: Double]) {
        self.value = value
        self.grade = grade
        self.deductions = deductions
    }
}

public enum ScoreModel {
    /// What the first finding of a rule costs, by severity.
    public static func points(_ severity: Severity) -> Double {
        switch severity {
        case .critical: 30
        case .high: 15
        case .medium: 5
        case .low: 1
        case .info: 0
        }
    }

    /// Less sure findings cost less.
    public static func weight(_ confidence: Confidence) -> Double {
        switch confidence {
        case .certain: 1.0
        case .firm: 0.8
        case .tentative: 0.5
        }
    }

    /// Each further finding of the same rule costs this share of the first…
    public static let repeatShare = 0.25
    /// …and one rule never costs more than this multiple of its first finding.
    public static let ruleCap = 2.0

    /// All rules of one severity together never cost more than this, so many small
    /// problems cannot outweigh one serious one: lows alone keep an A, mediums alone a C.
    public static func severityCap(_ severity: Severity) -> Double {
        switch severity {
        case .critical: 100
        case .high: 60
        case .medium: 30
        case .low: 10
        case .info: 0
        }
    }

    /// Lowest score of each grade, best first.
    public static let boundaries: [(Grade, Int)] = [(.aPlus, 97), (.a, 90), (.b, 80), (.c, 70), (.d, 60), (.f, 0)]

    public static func grade(for value: Int) -> Grade {
        boundaries.first { value >= $0.1 }?.0 ?? .f
    }

    public static func score(_ findings: [Finding]) -> Score {
        var deductions: [String: Double] = [:]
        var bySeverity: [Severity: Double] = [:]
        for (ruleId, group) in Dictionary(grouping: findings, by: \.ruleId) {
            // Costs in descending order so the worst occurrence is the one paid in full.
            let costs = group.map { points($0.severity) * weight($0.confidence) }.sorted(by: >)
            guard let first = costs.first, first > 0 else { continue }
            let total = first + costs.dropFirst().reduce(0) { $0 + $1 * repeatShare }
            deductions[ruleId] = min(total, first * ruleCap)
            // A rule counts in the tier of its most severe finding.
            bySeverity[group.map(\.severity).max()!, default: 0] += deductions[ruleId]!
        }
        let taken = bySeverity.reduce(0) { $0 + min($1.value, severityCap($1.key)) }
        let value = max(0, Int((100 - taken).rounded()))
        return Score(value: value, grade: grade(for: value), deductions: deductions)
    }
}
