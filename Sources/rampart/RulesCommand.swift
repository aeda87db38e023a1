import ArgumentParser
import RampartCore
import RampartReport
import RampartSpec

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List the audit rules: id, severity, OWASP category, CWE and what each checks.",
        discussion: """
        Examples:
          rampart rules
          rampart rules --format markdown > docs/rules-catalogue.md
          rampart rules --format json | jq '.[] | select(.owasp == "API2") | .id'
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, markdown }

    @Option(name: [.short, .long], help: "text, json or markdown.")
    var format: Format = .text

    func run() throws {
        let rules = Auditor.metadata
        switch format {
        case .text:
            for rule in rules {
                print("\(rule.id.padding(toLength: 36, withPad: " ", startingAt: 0)) \(rule.severity.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(rule.owasp.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0)) \(rule.title)")
            }
            print("\n\(rules.count) rules. `rampart rules --format markdown` prints the full catalogue.")
        case .json:
            try Terminal.write(RuleCatalogue.json(rules), to: nil)
        case .markdown:
            print(RuleCatalogue.markdown(rules), terminator: "")
        }
    }
}
