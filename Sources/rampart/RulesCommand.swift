import ArgumentParser
import Foundation
import RampartCore
import RampartRate
import RampartReport
import RampartScan
import RampartSpec

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List every rule and check: audit rules, scan checks and rule-pack templates, rating rules.",
        discussion: """
        Examples:
          rampart rules
          rampart rules --command scan
          rampart rules --command scan --rules ./my-packs
          rampart rules --command audit --format markdown > catalogue.md
          rampart rules --format json | jq '.[] | select(.owasp == "API2") | .id'
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, markdown }
    enum Command: String, ExpressibleByArgument, CaseIterable { case audit, scan, rate }

    @Option(name: [.short, .long], help: "text, json or markdown.")
    var format: Format = .text

    @Option(help: "Only the rules of one command: audit, scan or rate.")
    var command: Command?

    @Option(name: .customLong("rules"), help: "Also list the templates in this rule pack folder; may be repeated.")
    var ruleFolders: [String] = []

    func run() throws {
        let groups = try (command.map { [$0] } ?? Command.allCases).map { ($0, try rules(of: $0)) }
        let all = groups.flatMap(\.1)
        switch format {
        case .text:
            for (command, rules) in groups {
                for rule in rules {
                    print("\(command.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) \(rule.id.padding(toLength: 36, withPad: " ", startingAt: 0)) \(rule.severity.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(rule.owasp.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0)) \(rule.title)")
                }
            }
            print("\n\(all.count) rules (\(groups.map { "\($0.1.count) \($0.0.rawValue)" }.joined(separator: ", "))). `rampart rules --format markdown` prints the full catalogue.")
        case .json:
            try Terminal.write(RuleCatalogue.json(all), to: nil)
        case .markdown:
            print(RuleCatalogue.markdown(all), terminator: "")
        }
    }

    private func rules(of command: Command) throws(CLIFailure) -> [RuleMetadata] {
        switch command {
        case .audit: return Auditor.metadata
        case .rate: return HostRater.rules
        case .scan:
            do {
                var templates = try RulePackLoader.builtIn()
                for folder in ruleFolders { templates += try RulePackLoader.load(folder: folder) }
                return ScanChecks.all.map(\.rule) + templates.map(\.rule)
            } catch { throw .input(error.description) }
        }
    }
}
