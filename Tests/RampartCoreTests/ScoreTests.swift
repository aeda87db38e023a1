import Testing
@testable import RampartCore

private let medium = RuleMetadata(id: "m", title: "M", severity: .medium, owasp: .api4, cwe: [770], description: "", remediation: "")
private let high = RuleMetadata(id: "h", title: "H", severity: .high, owasp: .api2, cwe: [306], description: "", remediation: "")
private let low = RuleMetadata(id: "l", title: "L", severity: .low, owasp: .api9, cwe: [], description: "", remediation: "")

private func findings(_ rule: RuleMetadata, _ count: Int, confidence: Confidence = .certain) -> [Finding] {
    (0..<count).map { Finding(rule: rule, location: Location(pointer: "/x/\($0)"), message: "", confidence: confidence) }
}

@Test func noFindingsIsAPlus() {
    let score = ScoreModel.score([])
    #expect(score.value == 100)
    #expect(score.grade == .aPlus)
}

@Test func oneRuleRepeatedCannotSinkTheGradeAlone() {
    let once = ScoreModel.score(findings(medium, 1))
    let many = ScoreModel.score(findings(medium, 500))
    #expect(once.value == 95)
    #expect(many.value == 90, "a medium rule costs at most twice its first finding")
    #expect(many.grade == .a)
}

@Test func lowsAloneKeepAnAAndMediumsAloneAC() {
    let lows = (0..<40).flatMap { i in findings(RuleMetadata(id: "l\(i)", title: "", severity: .low, owasp: .api9, cwe: [], description: "", remediation: ""), 3) }
    #expect(ScoreModel.score(lows).value == 90)
    let mediums = (0..<40).flatMap { i in findings(RuleMetadata(id: "m\(i)", title: "", severity: .medium, owasp: .api4, cwe: [], description: "", remediation: ""), 3) }
    #expect(ScoreModel.score(mediums).value == 70)
    #expect(ScoreModel.score(mediums).grade == .c)
}

@Test func lessConfidentFindingsCostLess() {
    let certain = ScoreModel.score(findings(high, 1, confidence: .certain))
    let tentative = ScoreModel.score(findings(high, 1, confidence: .tentative))
    #expect(certain.value == 85)
    #expect(tentative.value > certain.value)
    #expect(certain.deductions["h"] == 15)
}

@Test func gradeBoundaries() {
    #expect(ScoreModel.grade(for: 97) == .aPlus)
    #expect(ScoreModel.grade(for: 96) == .a)
    #expect(ScoreModel.grade(for: 90) == .a)
    #expect(ScoreModel.grade(for: 89) == .b)
    #expect(ScoreModel.grade(for: 70) == .c)
    #expect(ScoreModel.grade(for: 60) == .d)
    #expect(ScoreModel.grade(for: 59) == .f)
    #expect(ScoreModel.grade(for: 0) == .f)
}

@Test func severitiesOrderAndMapToSecuritySeverity() {
    #expect(Severity.critical > .high && Severity.high > .medium && Severity.medium > .low && Severity.low > .info)
    #expect(Double(Severity.high.securitySeverity)! >= 7.0, "GitHub treats 7.0+ as high")
    #expect(Severity.allCases.sorted(by: >) == Severity.descending)
}
