import ArgumentParser
import Foundation
import RampartCore
import RampartHTTP
import RampartLab
import RampartReport
import RampartScan
import RampartSpec

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "See Rampart work: start the vulnerable lab, audit its description, scan it, write an HTML report.",
        discussion: """
        Starts Rampart Bank (the lab, docs/lab.md) on a free port of 127.0.0.1, audits its OpenAPI description, scans it as two customers, an admin and a partner application, prints what was found and writes an HTML report with every finding's proof. Nothing leaves this machine.

        Examples:
          rampart demo
          rampart demo --html /tmp/bank-report.html
        """)

    @Option(help: "Where to write the HTML report.")
    var html: String = "rampart-demo-report.html"

    func run() async throws {
        let lab: Lab.Running
        do { lab = try await Lab().start() } catch { throw CLIFailure.internal("cannot start the lab on 127.0.0.1: \(error)") }
        let description: APIDescription
        let configuration: ScanConfiguration
        do {
            description = try APIDescription(SpecDocument(text: Lab.openAPIDocument, file: "openapi.json"))
            configuration = try ScanConfiguration.parse(SpecDocument(text: Lab.scanConfiguration, file: "rampart.yml").root)
        } catch {
            await lab.stop()
            throw CLIFailure.internal("the bundled lab files do not load: \(error)")
        }
        Terminal.note("Rampart Bank lab running at \(lab.url.absoluteString) (rampart lab serves it on its own)")

        let audit = Auditor.audit(description)
        let auditReport = Report(tool: .init(version: Rampart.version), command: "audit", target: "openapi.json", findings: audit.findings, rules: Auditor.metadata)
        let runner = ScanRunner(target: lab.url, description: description, configuration: configuration,
                                engineOptions: EngineOptions(requestsPerSecond: nil, concurrency: 8), rulePacks: (try? RulePackLoader.builtIn()) ?? [])
        let showProgress = Terminal.stderrIsTTY
        let result: ScanResult
        do {
            result = try await runner.run { progress in
                if showProgress { Terminal.progress("scanning: \(progress.phase), checks \(progress.checksDone)/\(progress.checksTotal), \(progress.requests) requests") }
            }
        } catch {
            await lab.stop()
            throw CLIFailure.internal("the demo scan failed: \(error)")
        }
        Terminal.endProgress()
        await lab.stop()

        let rules = ScanChecks.all.map(\.rule) + runner.rulePacks.map(\.rule)
        let scanReport = Report(tool: .init(version: Rampart.version), command: "scan", target: lab.url.absoluteString, findings: result.findings, rules: rules)
        let color = Terminal.colourAllowed
        let auditSummary = "Audit of the lab's description: \(audit.findings.count) design findings, score \(auditReport.score.value)/100 (\(auditReport.score.grade.rawValue))."
        try Terminal.write(auditSummary + "\n\n" + TextRenderer(color: color).render(scanReport), to: nil)
        let both = Report(tool: .init(version: Rampart.version), command: "demo", target: "Rampart Bank lab (audit and scan)",
                          findings: (audit.findings + result.findings).sortedForReport(), rules: Auditor.metadata + rules)
        try Terminal.write(HTMLRenderer().render(both), to: html)
        print("\nHTML report: \(URL(fileURLWithPath: html).path)")
        print(String(format: "Scanned %d operations with %d requests in %.1f s.", result.operations, result.requests,
                     result.duration.inSeconds))
        print("Next: rampart lab, then rampart scan --help; rampart audit path/to/your/openapi.yaml")
    }
}
