import ArgumentParser
import Foundation
import RampartCore
import RampartReport
import RampartSpec

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Audit OpenAPI 2.0/3.0/3.1 descriptions for security design flaws.",
        discussion: """
        Reads JSON or YAML, follows $refs across files, and checks \(Auditor.rules.count) rules mapped to the \
        OWASP API Security Top 10 (2023). Every finding points at the file and line that causes it.

        A folder is searched for descriptions (files with a top-level `openapi` or `swagger` key), audited in parallel.

        Examples:
          rampart audit openapi.yaml
          rampart audit specs/ --format json --output audit.json
          rampart audit openapi.yaml --format sarif --output rampart.sarif --fail-on high
          rampart audit openapi.yaml --write-baseline .rampart-baseline.json
          rampart audit openapi.yaml --baseline .rampart-baseline.json   # fail only on new findings

        `$ref`s may only read files inside the spec's own folder (symbolic links resolved); a reference to a file
        outside it is refused and reported as unresolved-reference, quoting nothing of that file. `--ref-root`
        widens or narrows that folder, e.g. to the repository root when specs share schemas across folders.

        Silence a rule for one node and everything below it with `x-rampart-ignore: [rule-id]` in the spec;
        disable rules or change their severity in rampart.yml (see docs/configuration.md).
        """)

    @Argument(help: "OpenAPI description files or folders.")
    var specs: [String]

    @OptionGroup var report: ReportOptions

    @Option(help: "Configuration file (default: ./rampart.yml when present).")
    var config: String?

    @Option(help: "Only report findings whose fingerprint is not in this baseline file.")
    var baseline: String?

    @Option(help: "Write the fingerprints of this run's findings to a baseline file.")
    var writeBaseline: String?

    @Option(help: "The folder $refs may read files from (default: each spec's own folder).")
    var refRoot: String?

    @Option(help: "Specs audited at once when auditing a folder.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let options = try loadOptions()
        let results = audit(try SpecFinder.find(specs), options: options)
        // A single spec that cannot be read is an input error: one line on stderr, no report.
        if results.count == 1, let error = results[0].error { throw CLIFailure.input(error.description) }

        var findings = results.flatMap { $0.result?.findings ?? [] }
        if let writeBaseline {
            try Terminal.write(BaselineFile.encode(Baseline(findings: findings)), to: writeBaseline)
            Terminal.note("wrote baseline of \(findings.count) finding(s) to \(writeBaseline)")
        }
        if let baseline {
            let accepted = try BaselineFile.load(baseline)
            let before = findings.count
            findings = accepted.new(in: findings)
            Terminal.note("baseline \(baseline): \(before - findings.count) known finding(s) hidden, \(findings.count) new")
        }
        let subjects = results.map { entry in
            Report.Subject(name: entry.file, score: entry.result.map { ScoreModel.score($0.findings) },
                           findings: entry.result?.findings.count ?? 0, error: entry.error?.description)
        }
        let report = Report(tool: .init(version: Rampart.version), command: "audit", target: specs.joined(separator: " "),
                            findings: findings, rules: Auditor.metadata.filter { !options.disabledRules.contains($0.id) },
                            subjects: subjects)
        try self.report.emit(report)
        // In a folder run unreadable specs are reported, the others still audited; the input error decides the exit code.
        let unreadable = results.compactMap(\.error)
        for error in unreadable { Terminal.error(error.description) }
        if !unreadable.isEmpty { throw CLIFailure.input("\(unreadable.count) of \(results.count) specs could not be read") }
        if self.report.failOn.fails(report.findings) { throw ExitCode(1) }
    }

    private func loadOptions() throws(CLIFailure) -> AuditOptions {
        let path = config ?? (FileManager.default.fileExists(atPath: "rampart.yml") ? "rampart.yml" : nil)
        guard let path else { return AuditOptions() }
        do { return try AuditConfiguration.load(path: path) } catch { throw .input(error.description) }
    }

    struct Entry: Sendable {
        var file: String
        var result: AuditResult?
        var error: SpecError?
    }

    private func audit(_ files: [String], options: AuditOptions) -> [Entry] {
        let slots = Slots<Entry>(count: files.count)
        let done = Counter()
        DispatchQueue.concurrentPerform(iterations: min(jobs, max(1, files.count))) { worker in
            for index in stride(from: worker, to: files.count, by: jobs) {
                let file = files[index]
                do {
                    slots[index] = Entry(file: file, result: try Auditor.audit(path: file, options: options, referenceRoot: refRoot))
                } catch {
                    slots[index] = Entry(file: file, error: error as? SpecError ?? SpecError(file: file, problem: "\(error)"))
                }
                if files.count > 1 { Terminal.progress("[\(done.increment())/\(files.count)] \(file)") }
            }
        }
        if files.count > 1 { Terminal.endProgress() }
        return slots.values.compactMap { $0 }
    }
}
