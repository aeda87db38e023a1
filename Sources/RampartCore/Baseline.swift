/// Findings accepted on a given day, by fingerprint, so CI fails only on new ones.
public struct Baseline: Codable, Hashable, Sendable {
    public var version: Int = 1
    public var fingerprints: [String]

    public init(findings: [Finding]) {
        fingerprints = Array(Set(findings.map(\.fingerprint))).sorted()
    }

    /// The findings this baseline does not already accept.
    public func new(in findings: [Finding]) -> [Finding] {
        let known = Set(fingerprints)
        return findings.filter { !known.contains($0.fingerprint) }
    }
}
