import ArgumentParser
import RampartCore
import RampartReport

extension ReportFormat: ExpressibleByArgument {}

/// `--fail-on`: a severity, or `none` to never fail.
enum FailOn: String, ExpressibleByArgument, CaseIterable {
    case critical, high, medium, low, info, none

    var threshold: Severity? { Severity(rawValue: rawValue) }

    func fails(_ findings: [Finding]) -> Bool {
        guard let threshold else { return false }
        return findings.contains { $0.severity >= threshold }
    }
}

/// Options every reporting command shares.
struct ReportOptions: ParsableArguments {
    @Option(name: [.short, .long], help: "Output format: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: ReportFormat = .text

    @Option(name: [.short, .long], help: "Write the report to this file instead of stdout.")
    var output: String?

    @Option(help: "Exit with 1 when a finding is at or above this severity (critical, high, medium, low, info, none).")
    var failOn: FailOn = .high

    func emit(_ report: Report) throws(CLIFailure) {
        let colour = format == .text && output == nil && Terminal.colourAllowed
        try Terminal.write(format.render(report, color: colour), to: output)
        if let output { Terminal.note("wrote \(format.rawValue) report to \(output)") }
    }
}
