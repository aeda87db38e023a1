import Foundation
import RampartCore

/// The stable JSON document described in `docs/json-format.md`.
public struct JSONRenderer {
    public static let schemaVersion = 1

    public init() {}

    struct Document: Encodable {
        var schemaVersion: Int
        var tool: Report.Tool
        var command: String
        var target: String
        var score: ScoreValue
        var summary: Summary
        var subjects: [Report.Subject]?
        var run: Report.Run?
        var findings: [Finding]
        /// Each table as a list of objects keyed by its column names.
        var tables: [String: [[String: String]]]?
    }

    struct ScoreValue: Encodable {
        var value: Int
        var grade: String
    }

    struct Summary: Encodable {
        var total: Int
        var bySeverity: [String: Int]
        var byOwasp: [String: Int]
    }

    public func render(_ report: Report) -> String {
        let document = Document(
            schemaVersion: Self.schemaVersion, tool: report.tool, command: report.command, target: report.target,
            score: ScoreValue(value: report.score.value, grade: report.score.grade.rawValue),
            summary: Summary(
                total: report.findings.count,
                bySeverity: Dictionary(uniqueKeysWithValues: Severity.allCases.map { ($0.rawValue, report.countsBySeverity[$0] ?? 0) }),
                byOwasp: Dictionary(uniqueKeysWithValues: OWASPCategory.allCases.map { ($0.rawValue, report.countsByOWASP[$0] ?? 0) })),
            subjects: report.subjects.count > 1 || report.subjects.contains { $0.error != nil } ? report.subjects : nil,
            run: report.run,
            findings: report.findings,
            tables: report.tables.isEmpty ? nil : Dictionary(report.tables.map { table in
                (table.title, table.rows.map { Dictionary(zip(table.columns, $0), uniquingKeysWith: { first, _ in first }) })
            }, uniquingKeysWith: { first, _ in first }))
        return encode(document)
    }
}

/// Pretty, key-sorted JSON so output is diffable and stable.
func encode(_ value: some Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self) + "\n"
}
