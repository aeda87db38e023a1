import Testing
@testable import RampartCore

private let rule = RuleMetadata(id: "r", title: "R", severity: .low, owasp: .api8, cwe: [], description: "", remediation: "")

@Test func fingerprintIgnoresLineNumbers() {
    let before = Finding(rule: rule, location: Location(pointer: "/paths/~1a", position: SourcePosition(file: "a.yaml", line: 10, column: 3)), message: "x")
    let after = Finding(rule: rule, location: Location(pointer: "/paths/~1a", position: SourcePosition(file: "a.yaml", line: 99, column: 7)), message: "y")
    #expect(before.fingerprint == after.fingerprint)
    #expect(before.fingerprint.count == 32)
}

@Test func fingerprintDependsOnRuleAndPlace() {
    let a = Fingerprint.of(ruleId: "r", location: Location(pointer: "/a"))
    #expect(a != Fingerprint.of(ruleId: "s", location: Location(pointer: "/a")))
    #expect(a != Fingerprint.of(ruleId: "r", location: Location(pointer: "/b")))
    #expect(a != Fingerprint.of(ruleId: "r", location: Location(method: "GET", path: "/a")))
}

@Test func sameProblemInAnotherFileIsAnotherFinding() {
    let a = Location(pointer: "/paths", position: SourcePosition(file: "a.yaml", line: 1, column: 1))
    let b = Location(pointer: "/paths", position: SourcePosition(file: "b.yaml", line: 1, column: 1))
    #expect(Fingerprint.of(ruleId: "r", location: a) != Fingerprint.of(ruleId: "r", location: b))
}

@Test func fingerprintIsStableAcrossReleases() {
    // Baselines written by earlier versions must keep matching: this value must never change.
    #expect(Fingerprint.hash("rule\u{1E}/paths") == "4a3e3b7a308eb90434e76db39e811f8d")
    #expect(Fingerprint.hash("") == "cbf29ce484222325" + "84222325cbf29ce4")
}

@Test func baselineHidesKnownFindingsOnly() {
    let known = Finding(rule: rule, location: Location(pointer: "/a"), message: "")
    let new = Finding(rule: rule, location: Location(pointer: "/b"), message: "")
    let baseline = Baseline(findings: [known, known])
    #expect(baseline.fingerprints.count == 1)
    #expect(baseline.new(in: [known, new]) == [new])
}

@Test func findingsSortMostSevereFirst() {
    let lowRule = rule
    let highRule = RuleMetadata(id: "h", title: "H", severity: .high, owasp: .api2, cwe: [], description: "", remediation: "")
    let sorted = [Finding(rule: lowRule, location: Location(pointer: "/a"), message: ""),
                  Finding(rule: highRule, location: Location(pointer: "/b"), message: "")].sortedForReport()
    #expect(sorted.map(\.severity) == [.high, .low])
}
