import Foundation
import RampartCore
import RampartReport
@testable import RampartServer
import Testing

private let day: TimeInterval = 86_400
private let start = Date(timeIntervalSince1970: 1_800_000_000)

private func seen(_ name: String, _ severity: Severity = .high) -> Observation {
    Observation(fingerprint: "fp-\(name)", ruleId: "rule-\(name)", title: name, severity: severity, location: "GET /\(name)", message: "\(name) found")
}

/// Runs of one source over days: a finding is new, then open; fixed when a complete run no longer reports it;
/// reopened when it comes back; and every change is in its history.
@Test func findingsGoFromNewToOpenToFixedAndAreReopenedWhenTheyComeBack() throws {
    var lifecycle = FindingLifecycle()
    var events = lifecycle.merge([seen("a"), seen("b", .critical)], from: "scan", complete: true, at: start, run: "run-1")
    #expect(events.map(\.to) == [.new, .new])
    #expect(lifecycle.findings["fp-a"]?.state == .new && lifecycle.findings["fp-a"]?.dueDate == start.addingTimeInterval(30 * day))
    #expect(lifecycle.findings["fp-b"]?.dueDate == start.addingTimeInterval(7 * day), "critical: seven days")

    events = lifecycle.merge([seen("a"), seen("b", .critical)], from: "scan", complete: true, at: start.addingTimeInterval(day), run: "run-2")
    #expect(lifecycle.findings.values.allSatisfy { $0.state == .open } && events.count == 2)

    // b is fixed in the target: the next complete run closes it.
    events = lifecycle.merge([seen("a")], from: "scan", complete: true, at: start.addingTimeInterval(3 * day), run: "run-3")
    #expect(events == [LifecycleEvent(fingerprint: "fp-b", from: .open, to: .fixed, severity: .critical)])
    #expect(lifecycle.findings["fp-b"]?.fixedAt == start.addingTimeInterval(3 * day))
    #expect(lifecycle.meanTimeToRemediate == 3 * day)

    // A partial run (stopped, over budget) closes nothing.
    lifecycle.merge([], from: "scan", complete: false, at: start.addingTimeInterval(4 * day), run: "run-4")
    #expect(lifecycle.findings["fp-a"]?.state == .open)

    // Another tool's complete run closes only its own findings.
    lifecycle.merge([], from: "sarif:ZAP", complete: true, at: start.addingTimeInterval(4 * day), run: "zap-1")
    #expect(lifecycle.findings["fp-a"]?.state == .open)

    // b comes back: reopened, with a new due date from now.
    events = lifecycle.merge([seen("a"), seen("b", .critical)], from: "scan", complete: true, at: start.addingTimeInterval(10 * day), run: "run-5")
    #expect(events == [LifecycleEvent(fingerprint: "fp-b", from: .fixed, to: .reopened, severity: .critical)])
    let b = try #require(lifecycle.findings["fp-b"])
    #expect(b.state == .reopened && b.dueDate == start.addingTimeInterval(17 * day))
    #expect(b.history.map(\.to) == [.new, .open, .fixed, .reopened] && b.history.map(\.by) == ["run-1", "run-2", "run-3", "run-5"])
}

@Test func anAcceptedRiskExpiresAndAFalsePositiveStaysClosed() throws {
    var lifecycle = FindingLifecycle()
    lifecycle.merge([seen("a"), seen("b")], from: "scan", complete: true, at: start, run: "run-1")
    try lifecycle.acceptRisk("fp-a", reason: "internal network only", by: "ann", until: start.addingTimeInterval(5 * day), at: start)
    try lifecycle.markFalsePositive("fp-b", reason: "the token is a test fixture", by: "ann", at: start)
    #expect(lifecycle.findings["fp-a"]?.state == .acceptedRisk && lifecycle.findings["fp-a"]?.acceptance?.by == "ann")

    // Reported again while accepted or false: both stay as they are, and neither is overdue.
    lifecycle.merge([seen("a"), seen("b")], from: "scan", complete: true, at: start.addingTimeInterval(2 * day), run: "run-2")
    #expect(lifecycle.findings["fp-a"]?.state == .acceptedRisk && lifecycle.findings["fp-b"]?.state == .falsePositive)
    #expect(lifecycle.overdue(at: start.addingTimeInterval(100 * day)).isEmpty)

    // The acceptance runs out: the next merge makes the finding active again, and says so.
    let events = lifecycle.merge([seen("a"), seen("b")], from: "scan", complete: true, at: start.addingTimeInterval(6 * day), run: "run-3")
    #expect(events == [LifecycleEvent(fingerprint: "fp-a", from: .acceptedRisk, to: .open, severity: .high)])
    #expect(lifecycle.findings["fp-a"]?.history.last?.by == "expiry" && lifecycle.findings["fp-b"]?.state == .falsePositive)
    #expect(lifecycle.overdue(at: start.addingTimeInterval(31 * day)).map(\.fingerprint) == ["fp-a"], "due 30 days after it was first seen")

    // People's mistakes get clear errors.
    #expect(throws: LifecycleError.reasonRequired) { try lifecycle.acceptRisk("fp-a", reason: " ", by: "ann", until: nil, at: start) }
    #expect(throws: LifecycleError.expiryInThePast) { try lifecycle.acceptRisk("fp-a", reason: "r", by: "ann", until: start, at: start.addingTimeInterval(7 * day)) }
    #expect(throws: LifecycleError.unknown("fp-zzz")) { try lifecycle.markFalsePositive("fp-zzz", reason: "r", by: "ann", at: start) }
    #expect(throws: LifecycleError.notActive("fp-b", .falsePositive)) { try lifecycle.acceptRisk("fp-b", reason: "r", by: "ann", until: nil, at: start) }
    try lifecycle.reopen("fp-b", by: "bob", note: "it was real after all", at: start.addingTimeInterval(8 * day))
    #expect(lifecycle.findings["fp-b"]?.state == .open && lifecycle.findings["fp-b"]?.history.last?.note == "it was real after all")
}

@Test func theLifecycleSurvivesBeingStored() throws {
    var lifecycle = FindingLifecycle()
    lifecycle.merge([seen("a")], from: "scan", complete: true, at: start, run: "run-1")
    try lifecycle.acceptRisk("fp-a", reason: "compensating control", by: "ann", until: start.addingTimeInterval(day), at: start)
    let stored = try JSONEncoder().encode(lifecycle)
    #expect(try JSONDecoder().decode(FindingLifecycle.self, from: stored) == lifecycle)
}

/// Rampart's own SARIF, read back: every finding, with its severity, becomes one observation; merged twice, they are
/// the same findings (stable fingerprints).
@Test func sarifFromRampartImportsIntoTheLifecycle() throws {
    let rule = RuleMetadata(id: "bola-read", title: "Another user's object can be read", severity: .critical, owasp: .api1, cwe: [639],
                            description: "d", remediation: "r")
    let findings = [Finding(rule: rule, location: Location(method: "GET", path: "/accounts/{id}"), message: "bob read alice's account"),
                    Finding(rule: rule, location: Location(method: "GET", path: "/orders/{id}"), message: "bob read alice's order", severity: .medium)]
    let sarif = ReportFormat.sarif.render(Report(tool: .init(version: "test"), command: "scan", target: "lab", findings: findings, rules: [rule]))
    let runs = try SARIFImport.runs(Data(sarif.utf8), file: "scan.sarif")
    #expect(runs.count == 1 && runs[0].complete && runs[0].observations.count == 2)
    #expect(Set(runs[0].observations.map(\.severity)) == [.critical, .medium])
    var lifecycle = FindingLifecycle()
    lifecycle.merge(runs[0].observations, from: "sarif:" + runs[0].tool, complete: true, at: start, run: "import-1")
    lifecycle.merge(try SARIFImport.runs(Data(sarif.utf8), file: "scan.sarif")[0].observations, from: "sarif:" + runs[0].tool, complete: true,
                    at: start.addingTimeInterval(day), run: "import-2")
    #expect(lifecycle.findings.count == 2 && lifecycle.findings.values.allSatisfy { $0.state == .open })
}

/// Other tools' SARIF: levels and `security-severity` map to severities, a failed run closes nothing, and a file that
/// is not SARIF is named in a one-line error.
@Test func sarifFromOtherToolsKeepsTheirSeveritiesAndPlaces() throws {
    let zap = #"""
    {"version": "2.1.0", "runs": [{
      "tool": {"driver": {"name": "OWASP ZAP", "rules": [{"id": "10038", "shortDescription": {"text": "CSP Header Not Set"},
                                                          "properties": {"security-severity": "5.0"}}]}},
      "invocations": [{"executionSuccessful": false}],
      "results": [
        {"ruleId": "10038", "message": {"text": "No Content-Security-Policy"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "https://app/login"}}}]},
        {"ruleId": "40012", "level": "error", "message": {"text": "Reflected XSS"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/app.js"}, "region": {"startLine": 12}}}],
         "partialFingerprints": {"primaryLocationLineHash": "abc123"}},
        {"ruleId": "oas3-schema", "level": "note", "message": {"text": "Property is not expected"},
         "locations": [{"logicalLocations": [{"fullyQualifiedName": "paths./users.get"}]}]}
      ]}]}
    """#
    let run = try #require(try SARIFImport.runs(Data(zap.utf8), file: "zap.sarif").first)
    #expect(run.tool == "OWASP ZAP" && !run.complete)
    #expect(run.observations.map(\.severity) == [.medium, .high, .low])
    #expect(run.observations.map(\.location) == ["https://app/login", "src/app.js:12", "paths./users.get"])
    #expect(run.observations[0].title == "CSP Header Not Set")
    // The tool's own fingerprint is kept: the same XSS on another line is the same finding.
    let moved = zap.replacingOccurrences(of: #""startLine": 12"#, with: #""startLine": 40"#)
    #expect(try SARIFImport.runs(Data(moved.utf8), file: "zap.sarif")[0].observations[1].fingerprint == run.observations[1].fingerprint)

    for (text, message) in [("[]", "zap.sarif: not a JSON object"), (#"{"version": "1.0.0", "runs": []}"#, "zap.sarif: not SARIF 2.1 (version 1.0.0)"),
                            (#"{"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]}"#, "zap.sarif: runs[0].tool.driver.name is missing"),
                            (#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"level": "error"}]}]}"#,
                             "zap.sarif: runs[0].results[0] has no ruleId or message")] {
        #expect(throws: SARIFImport.Invalid(description: message)) { try SARIFImport.runs(Data(text.utf8), file: "zap.sarif") }
    }
}
