import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import RampartCore
@testable import RampartReport
@testable import RampartSpec

private let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
private let projectRoot = testsFolder.deletingLastPathComponent().deletingLastPathComponent()
private let shared = projectRoot.deletingLastPathComponent().appendingPathComponent("shared").path
/// A small shop API with the design mistakes real APIs carry: findings of every severity.
private let demoSpec = testsFolder.appendingPathComponent("Fixtures/shop-api.yaml").path

/// A report over the bundled demo spec: findings of every severity, with a hostile string added.
private func sampleReport() throws -> Report {
    var findings = try Auditor.audit(path: demoSpec).findings
    var hostile = findings[0]
    hostile.message = "</td><script>alert(1)</script> & \"quotes\" \u{01}"
    findings.append(hostile)
    // A finding about a live host (rate, scan): no file position, a host and path instead.
    let hostRule = RuleMetadata(id: "trace-enabled", title: "HTTP TRACE enabled", severity: .medium, owasp: .api8, cwe: [693],
                                description: "TRACE echoes requests.", remediation: "Disable TRACE.")
    findings.append(Finding(rule: hostRule, location: Location(path: "/", host: "https://api.example.com"), message: "TRACE / echoes the request",
                            evidence: Evidence(response: "TRACE / HTTP/1.1")))
    return Report(tool: .init(version: "0.1.0"), command: "audit", target: demoSpec, findings: findings, rules: Auditor.metadata)
}

private func run(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Test func sarifValidatesAgainstTheOfficialSchema() throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-\(UUID()).sarif")
    try ReportFormat.sarif.render(try sampleReport()).write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    // A real JSON Schema validator (PyPI jsonschema, installed by .ci/run), not spot checks.
    let script = """
    import json, sys, jsonschema
    schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))
    errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(doc))
    for e in errors[:5]: print("/".join(map(str, e.absolute_path)), e.message)
    print("results:", len(doc["runs"][0]["results"]), "errors:", len(errors))
    sys.exit(1 if errors else 0)
    """
    let result = try run(["python3", "-c", script, shared + "/schemas/sarif-schema-2.1.0.json", file.path])
    #expect(result.status == 0, "\(result.output)")
    #expect(result.output.contains("errors: 0"))
}

@Test func sarifCarriesRulesRegionsAndFingerprints() throws {
    let report = try sampleReport()
    let sarif = try #require(try JSONSerialization.jsonObject(with: Data(ReportFormat.sarif.render(report).utf8)) as? [String: Any])
    let run = try #require((sarif["runs"] as? [[String: Any]])?.first)
    let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
    let rules = try #require(driver["rules"] as? [[String: Any]])
    #expect(rules.count == Auditor.metadata.count + 1, "the host finding's rule is added to the table")
    #expect((rules[0]["properties"] as? [String: Any])?["security-severity"] != nil)
    #expect((rules[0]["help"] as? [String: Any])?["markdown"] != nil)
    let results = try #require(run["results"] as? [[String: Any]])
    #expect(results.count == report.findings.count)
    let first = results[0]
    let location = try #require(((first["locations"] as? [[String: Any]])?.first?["physicalLocation"]) as? [String: Any])
    let region = try #require(location["region"] as? [String: Any])
    #expect((region["startLine"] as? Int ?? 0) > 0)
    #expect((first["partialFingerprints"] as? [String: String])?["rampart/v1"] == report.findings[0].fingerprint)
}

@Test func jsonFollowsTheDocumentedSchema() throws {
    let report = try sampleReport()
    let json = try #require(try JSONSerialization.jsonObject(with: Data(ReportFormat.json.render(report).utf8)) as? [String: Any])
    #expect(Set(json.keys).isSuperset(of: ["schemaVersion", "tool", "command", "target", "score", "summary", "findings"]))
    #expect((json["tool"] as? [String: Any])?["name"] as? String == "rampart")
    let score = try #require(json["score"] as? [String: Any])
    #expect(score["value"] as? Int == report.score.value && score["grade"] as? String == report.score.grade.rawValue)
    let summary = try #require(json["summary"] as? [String: Any])
    #expect((summary["bySeverity"] as? [String: Int])?["high"] == report.countsBySeverity[.high])
    #expect((summary["byOwasp"] as? [String: Int])?.keys.count == 10)
    let finding = try #require((json["findings"] as? [[String: Any]])?.first)
    for key in ["ruleId", "title", "severity", "confidence", "owasp", "cwe", "location", "evidence", "remediation", "fingerprint", "message"] {
        #expect(finding[key] != nil, "finding has \(key)")
    }
}

/// Parses XML with Foundation's parser, counting elements.
private final class XMLCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        counts[name, default: 0] += 1
    }
}

@Test func junitIsWellFormedWithOneCasePerRule() throws {
    let report = try sampleReport()
    let xml = ReportFormat.junit.render(report)
    let parser = XMLParser(data: Data(xml.utf8))
    let counter = XMLCounter()
    parser.delegate = counter
    #expect(parser.parse(), "\(parser.parserError.map(String.init(describing:)) ?? "")")
    #expect(counter.counts["testcase"] == Auditor.metadata.count + 1)
    #expect(counter.counts["failure"] == Set(report.findings.map(\.ruleId)).count)
    #expect(!xml.contains("<script>"))
}

@Test func htmlIsSelfContainedAndEscaped() throws {
    let html = ReportFormat.html.render(try sampleReport())
    #expect(html.hasPrefix("<!DOCTYPE html>"))
    #expect(html.contains("<svg"), "charts are inline SVG")
    #expect(html.contains("id=\"q\""), "findings can be filtered")
    #expect(!html.contains("<script>alert(1)"), "finding text is escaped")
    #expect(html.contains("&lt;script&gt;alert(1)"))
    for external in ["src=\"http", "href=\"http", "@import", "url(http", "<link"] {
        #expect(!html.contains(external), "no external fetch: \(external)")
    }
}

@Test func textGroupsBySeverityAndColoursOnlyWhenAsked() throws {
    let report = try sampleReport()
    let plain = ReportFormat.text.render(report, color: false)
    #expect(!plain.contains("\u{1B}["))
    #expect(plain.contains("HIGH ("))
    #expect(plain.contains("shop-api.yaml:"))
    #expect(plain.contains("Score \(report.score.value)/100, grade \(report.score.grade.rawValue)"))
    #expect(ReportFormat.text.render(report, color: true).contains("\u{1B}[1;31m"))
    let highIndex = plain.range(of: "HIGH (")!.lowerBound, lowIndex = plain.range(of: "LOW (")!.lowerBound
    #expect(highIndex < lowIndex)
}

@Test func markdownIsACompactSummary() throws {
    let report = try sampleReport()
    let markdown = ReportFormat.markdown.render(report)
    #expect(markdown.hasPrefix("## Rampart audit: grade \(report.score.grade.rawValue)"))
    #expect(markdown.split(separator: "\n").count <= MarkdownRenderer.maxRows + 12)
    #expect(markdown.contains("| critical | high | medium | low | info |"))
}

@Test func ruleCatalogueListsEveryRule() {
    let markdown = RuleCatalogue.markdown(Auditor.metadata)
    for rule in Auditor.metadata { #expect(markdown.contains("### \(rule.id)")) }
}
