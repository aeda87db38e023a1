import Foundation
import RampartCore

/// SARIF 2.1.0, as GitHub, GitLab and Azure DevOps code scanning read it.
public struct SARIFRenderer {
    public init() {}

    struct Log: Encodable {
        var schema = "https://json.schemastore.org/sarif-2.1.0.json"
        var version = "2.1.0"
        var runs: [Run]
        enum CodingKeys: String, CodingKey { case schema = "$schema", version, runs }
    }

    struct Run: Encodable {
        var tool: Tool
        var results: [Result]
        var automationDetails: AutomationDetails
        var columnKind = "unicodeCodePoints"
    }

    struct AutomationDetails: Encodable { var id: String }
    struct Tool: Encodable { var driver: Driver }

    struct Driver: Encodable {
        var name: String
        var version: String
        var semanticVersion: String
        var informationUri: String
        var rules: [Rule]
    }

    struct Text: Encodable {
        var text: String
        var markdown: String?
    }

    struct Rule: Encodable {
        var id: String
        var name: String
        var shortDescription: Text
        var fullDescription: Text
        var help: Text
        var helpUri: String
        var defaultConfiguration: Configuration
        var properties: RuleProperties
    }

    struct Configuration: Encodable { var level: String }

    struct RuleProperties: Encodable {
        var tags: [String]
        var precision: String
        var securitySeverity: String
        enum CodingKeys: String, CodingKey { case tags, precision, securitySeverity = "security-severity" }
    }

    struct Result: Encodable {
        var ruleId: String
        var ruleIndex: Int?
        var level: String
        var message: Text
        var locations: [ResultLocation]
        var partialFingerprints: [String: String]
        var properties: ResultProperties
    }

    struct ResultLocation: Encodable {
        var physicalLocation: PhysicalLocation?
        var logicalLocations: [LogicalLocation]?
    }

    struct PhysicalLocation: Encodable {
        var artifactLocation: ArtifactLocation
        var region: Region?
    }

    struct ArtifactLocation: Encodable { var uri: String }

    struct Region: Encodable {
        var startLine: Int
        var startColumn: Int
        var snippet: Text?
    }

    struct LogicalLocation: Encodable {
        var name: String
        var fullyQualifiedName: String
        var kind: String
    }

    struct ResultProperties: Encodable {
        var severity: String
        var confidence: String
        var owasp: String
        var cwe: [String]
        var securitySeverity: String
        /// For live findings: the request, the start of the response, and a command that repeats the request.
        var request: String?
        var response: String?
        var reproduce: String?
        enum CodingKeys: String, CodingKey { case severity, confidence, owasp, cwe, securitySeverity = "security-severity", request, response, reproduce }
    }

    static func level(_ severity: Severity) -> String {
        switch severity {
        case .critical, .high: "error"
        case .medium: "warning"
        case .low, .info: "note"
        }
    }

    /// Relative paths stay relative (code scanning resolves them from the checkout root); absolute ones become file URIs.
    static func uri(_ path: String) -> String {
        let encoded = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
        return path.hasPrefix("/") ? "file://" + encoded : encoded
    }

    public func render(_ report: Report) -> String {
        var rules = report.rules
        for finding in report.findings where !rules.contains(where: { $0.id == finding.ruleId }) {
            rules.append(RuleMetadata(id: finding.ruleId, title: finding.title, severity: finding.severity, owasp: finding.owasp,
                                      cwe: finding.cwe, description: finding.title, remediation: finding.remediation))
        }
        let index = Dictionary(rules.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        let driver = Driver(
            name: "Rampart", version: report.tool.version, semanticVersion: report.tool.version,
            informationUri: report.tool.informationUri,
            rules: rules.map { rule in
                Rule(
                    id: rule.id, name: Self.pascalCase(rule.id),
                    shortDescription: Text(text: rule.title),
                    fullDescription: Text(text: rule.description),
                    help: Text(text: "\(rule.description)\n\nFix: \(rule.remediation)",
                               markdown: "\(rule.description)\n\n**Fix:** \(rule.remediation)\n\n" + rule.allReferences.map { "- <\($0)>" }.joined(separator: "\n")),
                    helpUri: rule.owasp.reference,
                    defaultConfiguration: Configuration(level: Self.level(rule.severity)),
                    properties: RuleProperties(
                        tags: ["security", "owasp-api-2023", rule.owasp.rawValue] + rule.cwe.map { "external/cwe/cwe-\($0)" },
                        precision: "high", securitySeverity: rule.severity.securitySeverity))
            })
        let results = report.findings.map { finding in
            var location = ResultLocation()
            if let position = finding.location.position {
                location.physicalLocation = PhysicalLocation(
                    artifactLocation: ArtifactLocation(uri: Self.uri(position.file)),
                    region: Region(startLine: max(1, position.line), startColumn: max(1, position.column),
                                   snippet: finding.evidence?.excerpt.map { Text(text: $0) }))
            }
            let logicalName = finding.location.pointer ?? finding.location.display
            location.logicalLocations = [LogicalLocation(name: logicalName, fullyQualifiedName: logicalName, kind: "object")]
            return Result(
                ruleId: finding.ruleId, ruleIndex: index[finding.ruleId], level: Self.level(finding.severity),
                message: Text(text: finding.message), locations: [location],
                partialFingerprints: ["rampart/v1": finding.fingerprint],
                properties: ResultProperties(severity: finding.severity.rawValue, confidence: finding.confidence.rawValue,
                                             owasp: finding.owasp.rawValue, cwe: finding.cwe.map { "CWE-\($0)" },
                                             securitySeverity: finding.severity.securitySeverity, request: finding.evidence?.request,
                                             response: finding.evidence?.response, reproduce: finding.evidence?.curl))
        }
        let run = Run(tool: Tool(driver: driver), results: results, automationDetails: AutomationDetails(id: "rampart/\(report.command)/"))
        return encode(Log(runs: [run]))
    }

    static func pascalCase(_ id: String) -> String {
        id.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
