import Foundation
import RampartCore
import RampartHTTP
import RampartLab
import RampartReport
import RampartScan
import RampartSpec
import Testing

/// Scans of the lab and its secure twin, each run once and shared by the tests below.
enum LabScan {
    static let vulnerableRun = Task { try await run(secure: false) }
    static let vulnerable = Task { try await vulnerableRun.value.result }
    static let secure = Task { try await run(secure: true).result }

    /// Requests may take 30 s (the CLI's default is 10): the whole suite shares two cores in CI, and a sign-in that
    /// waits behind it must not fail the scan.
    static func run(secure: Bool) async throws -> (result: ScanResult, issuedTokens: [String]) {
        let lab = try await Lab(secure: secure).start()
        let description = try APIDescription(SpecDocument(text: Lab.openAPIDocument, file: "openapi.json"))
        let configuration = try ScanConfiguration.parse(SpecDocument(text: Lab.scanConfiguration, file: "rampart.yml").root)
        let runner = ScanRunner(target: lab.url, description: description, configuration: configuration,
                                engineOptions: EngineOptions(requestsPerSecond: nil, concurrency: 8, timeout: .seconds(30)), rulePacks: try RulePackLoader.builtIn())
        let result = try await runner.run()
        let issued = lab.issuedTokens
        await lab.stop()
        return (result, issued)
    }
}

/// One row of the flaw table in docs/lab.md.
struct DocumentedFlaw: CustomTestStringConvertible, Sendable {
    var number: String
    var method: String
    var path: String
    var rule: String
    var testDescription: String { "#\(number) \(rule) at \(method) \(path)" }

    static let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var all: [DocumentedFlaw] {
        let text = (try? String(contentsOf: projectRoot.appendingPathComponent("docs/lab.md"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 7, Int(cells[1]) != nil else { return nil }
            let route = cells[3].split(separator: " ", maxSplits: 1).map(String.init)
            return DocumentedFlaw(number: cells[1], method: route[0], path: route.count > 1 ? route[1] : "/", rule: cells[5])
        }
    }
}

@Test func docsListTheFlawsTheIssueAsksFor() {
    let flaws = DocumentedFlaw.all
    #expect(flaws.count >= 30)
    // At least two distinct flaws for each of API1-5, 7, 8, 9, and one for API6.
    let text = (try? String(contentsOf: DocumentedFlaw.projectRoot.appendingPathComponent("docs/lab.md"), encoding: .utf8)) ?? ""
    for category in ["API1", "API2", "API3", "API4", "API5", "API7", "API8", "API9"] {
        #expect(text.components(separatedBy: "| \(category) |").count - 1 >= 2, "\(category)")
    }
    #expect(text.contains("| API6 |"))
}

@Test(arguments: DocumentedFlaw.all)
func everyDocumentedFlawIsFound(_ flaw: DocumentedFlaw) async throws {
    let findings = try await LabScan.vulnerable.value.findings
    let found = findings.contains { $0.ruleId == flaw.rule && $0.location.method == flaw.method && $0.location.path == flaw.path }
    #expect(found, "not found; the scan reported: \(findings.filter { $0.ruleId == flaw.rule }.map(\.location.display))")
}

@Test func theSecureTwinHasNothingMediumOrAbove() async throws {
    let result = try await LabScan.secure.value
    // The checks really ran: identities signed in and objects were created.
    #expect(result.requests > 150)
    let serious = result.findings.filter { $0.severity >= .medium }
    #expect(serious.isEmpty, "\(serious.map { "\($0.ruleId) \($0.location.display): \($0.message)" })")
}

/// Classes the lab does not plant because third-party targets have them (issue #13 keeps the lab as it is): their
/// positives and negatives are in SurfaceScanTests, AccessChecksTests and GraphQLScanTests, and
/// Benchmarks/scan/targets.sh runs them on the real apps.
let checksProvenOutsideTheLab: Set<String> = ["auth-bypass-wildcard-key", "weak-session-secret", "predictable-session-token", "xxe", "regex-dos", "debug-page-exposed", "directory-listing", "weak-basic-credentials", "privileged-header-bypass",
                                               "session-cookie-secret-exposed", "forgeable-session", "account-takeover-by-registration",
                                               "stored-xss", "csrf", "password-change-without-current", "information-in-comment"]

/// Every check finds its flaw in the lab and stays quiet on the secure twin, so none can pass by flagging everything.
@Test(arguments: (ScanChecks.all.map(\.rule.id) + ((try? RulePackLoader.builtIn()) ?? []).map(\.rule.id)).filter { !checksProvenOutsideTheLab.contains($0) })
func eachCheckFiresOnTheLabAndNotOnItsSecureTwin(_ rule: String) async throws {
    let vulnerable = try await LabScan.vulnerable.value.findings
    let secure = try await LabScan.secure.value.findings
    #expect(vulnerable.contains { $0.ruleId == rule })
    #expect(!secure.contains { $0.ruleId == rule })
}

@Test func findingsCarryProofAndNoSecrets() async throws {
    let findings = try await LabScan.vulnerable.value.findings
    for finding in findings {
        #expect(finding.evidence?.curl?.hasPrefix("curl -i -X ") == true, "\(finding.ruleId)")
        #expect(finding.evidence?.request != nil && finding.evidence?.response != nil, "\(finding.ruleId)")
    }
    let written = String(decoding: try JSONEncoder().encode(findings), as: UTF8.self)
    for secret in ["alice-scan-password", "bob-scan-password", "admin-lab-password", "partner-lab-secret"] {
        #expect(!written.contains(secret), "\(secret) leaked into the findings")
    }
    // The users' own bearer tokens are masked; a finding about one shows where it was, not what it was.
    let enumeration = try #require(findings.first { $0.ruleId == "token-accepted-in-url" })
    #expect(enumeration.evidence?.curl?.contains("access_token=%5BREDACTED%5D") == true || enumeration.evidence?.curl?.contains("[REDACTED]") == true)
}

/// A canary: every token the lab handed out during the scan (logins, session cookies, OAuth2, the session a NoSQL
/// injection obtained) is looked for in the report of every format. None may appear, not even its signature.
@Test(arguments: ReportFormat.allCases)
func noLiveCredentialAppearsInAnyFormat(_ format: ReportFormat) async throws {
    let (result, issued) = try await LabScan.vulnerableRun.value
    #expect(issued.count >= 3, "the scan signed in: \(issued.count)")
    #expect(result.findings.contains { $0.ruleId == "token-accepted-in-url" } && result.findings.contains { $0.ruleId == "nosql-injection" })
    let report = Report(tool: .init(version: "test"), command: "scan", target: "lab", findings: result.findings, rules: [])
    let written = format.render(report)
    for token in Set(issued) {
        let signature = String(token.split(separator: ".").last ?? "")
        #expect(!written.contains(token) && !written.contains(signature), "a live token leaked into the \(format) report")
    }
    #expect(written.contains("REDACTED"), "the places they were are marked")
}

@Test func theFullScanStaysWithinItsBudget() async throws {
    let result = try await LabScan.vulnerable.value
    #expect(!result.partial)
    #expect(result.refused.isEmpty, "the lab links nowhere else")
}
