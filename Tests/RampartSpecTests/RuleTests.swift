import Foundation
import Testing
import RampartCore
@testable import RampartSpec

/// Every rule has a fixture folder with a spec it must flag and a near-miss it must not.
@Test(arguments: Auditor.metadata.map(\.id))
func ruleFlagsItsPositiveAndNotItsNegative(ruleId: String) throws {
    let folder = Paths.fixtures + "/rules/" + ruleId
    let positive = try Auditor.audit(path: folder + "/positive.yaml").findings.filter { $0.ruleId == ruleId }
    let negative = try Auditor.audit(path: folder + "/negative.yaml").findings.filter { $0.ruleId == ruleId }
    #expect(!positive.isEmpty, "\(ruleId) should flag positive.yaml")
    #expect(negative.isEmpty, "\(ruleId) should not flag negative.yaml: \(negative.map(\.message))")
    for finding in positive {
        #expect(finding.location.position != nil && finding.location.position!.line > 0, "findings carry a line")
    }
}

@Test func cleanSpecsHaveNoFindings() throws {
    for file in ["clean.yaml", "clean-swagger2.json"] {
        let findings = try Auditor.audit(path: Paths.fixtures + "/" + file).findings
        #expect(findings.isEmpty, "\(file): \(findings.map { "\($0.ruleId): \($0.message)" })")
    }
}

@Test func everyRuleIsCompleteAndUnique() {
    let rules = Auditor.metadata
    #expect(rules.count >= 40)
    #expect(Set(rules.map(\.id)).count == rules.count)
    for rule in rules {
        #expect(rule.id.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, "\(rule.id) is kebab-case")
        #expect(!rule.title.isEmpty && rule.description.count > 40 && rule.remediation.count > 20, "\(rule.id) is documented")
        #expect(rule.cwe.allSatisfy { $0 > 0 }, "\(rule.id) CWE ids")
        let folder = Paths.fixtures + "/rules/" + rule.id
        #expect(FileManager.default.fileExists(atPath: folder + "/positive.yaml") && FileManager.default.fileExists(atPath: folder + "/negative.yaml"),
                "\(rule.id) has positive and negative fixtures")
    }
}

@Test func configurationDisablesAndReRatesRules() throws {
    let options = try AuditConfiguration.parse(SpecDocument(text: """
    audit:
      disable: [missing-contact]
      severity:
        http-basic-auth: critical
    """, file: "rampart.yml").root)
    let api = try APIDescription(SpecDocument(path: Paths.fixtures + "/rules/http-basic-auth/positive.yaml"))
    let result = Auditor.audit(api, options: options)
    #expect(result.findings.first { $0.ruleId == "http-basic-auth" }?.severity == .critical)
    let contact = try Auditor.audit(APIDescription(SpecDocument(path: Paths.fixtures + "/rules/missing-contact/positive.yaml")), options: options)
    #expect(!contact.findings.contains { $0.ruleId == "missing-contact" })
}

@Test(arguments: [
    ("audit:\n  disabled: [x]\n", "rampart.yml:2:3", "unknown key 'audit.disabled'"),
    ("audit:\n  disable: [no-such-rule]\n", "rampart.yml:2:13", "unknown rule 'no-such-rule'"),
    ("audit:\n  severity:\n    http-basic-auth: urgent\n", "rampart.yml:3:5", "'urgent' is not a severity"),
    ("gateway: {}\n", "rampart.yml:1:1", "unknown section 'gateway'"),
    ("audit: [1]\n", "rampart.yml:1:1", "'audit' must be a mapping"),
])
func configurationErrorsNameLineAndKey(text: String, place: String, problem: String) {
    #expect {
        _ = try AuditConfiguration.parse(SpecDocument(text: text, file: "rampart.yml").root)
    } throws: { error in
        let message = (error as? SpecError)?.description ?? ""
        return message.hasPrefix(place) && message.contains(problem)
    }
}
