import ArgumentParser
import Foundation
import RampartReport
import RampartSpec

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "See Rampart work: audit a bundled sample API and write an HTML report.",
        discussion: """
        The sample is a small online shop's API with the design mistakes real APIs carry.

        Examples:
          rampart demo
          rampart demo --html /tmp/shop-report.html
        """)

    @Option(help: "Where to write the HTML report.")
    var html: String = "rampart-demo-report.html"

    func run() throws {
        guard let url = Bundle.module.url(forResource: "demo-openapi", withExtension: "yaml"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw CLIFailure.internal("the bundled demo spec is missing from this build")
        }
        let result: AuditResult
        do {
            result = Auditor.audit(try APIDescription(SpecDocument(text: text, file: "shop-api.yaml")))
        } catch {
            throw CLIFailure.internal("the bundled demo spec does not load: \(error)")
        }
        let report = Report(tool: .init(version: Rampart.version), command: "audit", target: "shop-api.yaml (bundled sample)",
                            findings: result.findings, rules: Auditor.metadata)
        try Terminal.write(TextRenderer(color: Terminal.colourAllowed).render(report), to: nil)
        try Terminal.write(HTMLRenderer().render(report), to: html)
        print("\nHTML report: \(URL(fileURLWithPath: html).path)")
        print("Next: rampart audit path/to/your/openapi.yaml   (rampart audit --help for formats and CI use)")
    }
}
