import Foundation
import RampartCore

/// The `--format json` document of `rampart rate` (documented in docs/json-format.md).
public struct RatingDocument: Encodable, Sendable {
    public var schemaVersion = 1
    public var tool: [String: String]
    public var command = "rate"
    public var target: [String]
    public var portfolio: Portfolio
    public var hosts: [HostRating]

    public struct Portfolio: Encodable, Sendable {
        public var grade: String
        public var score: Int
        public var hosts: Int
        public var bySeverity: [String: Int]
    }

    public init(portfolio: PortfolioRating, version: String, target: [String]) {
        tool = ["name": "rampart", "version": version]
        self.target = target
        let findings = portfolio.hosts.flatMap(\.findings)
        self.portfolio = Portfolio(grade: portfolio.grade, score: portfolio.score, hosts: portfolio.hosts.count,
                                   bySeverity: Dictionary(uniqueKeysWithValues: Severity.allCases.map { severity in
                                       (severity.rawValue, findings.filter { $0.severity == severity }.count)
                                   }))
        hosts = portfolio.hosts
    }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self) + "\n"
    }
}
