import ArgumentParser
import Foundation
import RampartCore
import RampartReport
import RampartSpec

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

    @Option(help: "Specs audited at once when auditing a folder.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let options = try loadOptions()
        let files = try SpecFinder.find(specs)
        let results = audit(files, options: options)

        var findings = results.flatMap { $0.result?.findings ?? [] }
        let subjects = results.map { entry in
            Report.Subject(name: entry.file, score: entry.result.map { ScoreModel.score($0.findings) },
                           findings: entry.result?.findings.count ?? 0, error: entry.error?.description)
        }
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
        let target = specs.count == 1 ? specs[0] : specs.joined(separator: " ")
        let enabled = Auditor.metadata.filter { !options.disabledRules.contains($0.id) }
        let report = Report(tool: .init(version: Rampart.version), command: "audit", target: target, findings: findings,
                            rules: enabled, subjects: subjects)
        // A single spec that cannot be read is an input error: one line on stderr, no report.
        if results.count == 1, let error = results[0].error { throw CLIFailure.input(error.description) }
        try self.report.emit(report)
        // In a folder run unreadable specs are listed in the report and the rest still count.
        let unreadable = results.filter { $0.error != nil }
        for entry in unreadable { Terminal.error(entry.error!.description) }
        if self.report.failOn.fails(report.findings) { throw ExitCode(1) }
        if !unreadable.isEmpty { throw CLIFailure.input("\(unreadable.count) of \(results.count) specs could not be read") }
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
                    slots[index] = Entry(file: file, result: try Auditor.audit(path: file, options: options))
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

/// Results of parallel work, written once per index.
final class Slots<Value: Sendable>: @unchecked Sendable {
    private var storage: [Value?]
    private let lock = NSLock()
    init(count: Int) { storage = Array(repeating: nil, count: count) }
    subscript(index: Int) -> Value? {
        get { lock.withLock { storage[index] } }
        set { lock.withLock { storage[index] = newValue } }
    }
    var values: [Value?] { lock.withLock { storage } }
}

final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func increment() -> Int { lock.withLock { value += 1; return value } }
}

/// Expands folders into the API descriptions they hold.
enum SpecFinder {
    static let extensions: Set<String> = ["json", "yaml", "yml"]

    static func find(_ paths: [String]) throws(CLIFailure) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw .input("\(path): no such file or folder")
            }
            guard isDirectory.boolValue else { files.append(path); continue }
            let found = descriptions(in: path)
            guard !found.isEmpty else { throw .input("\(path): no OpenAPI or Swagger description found in this folder") }
            files += found
        }
        return files
    }

    /// Files under `folder` whose text has a top-level-looking `openapi`/`swagger` key (fragments of multi-file specs are skipped).
    static func descriptions(in folder: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        var result: [String] = []
        while let relative = walker.nextObject() as? String {
            guard extensions.contains((relative as NSString).pathExtension.lowercased()) else { continue }
            let path = (folder as NSString).appendingPathComponent(relative)
            guard let data = FileManager.default.contents(atPath: path), SpecDocument.looksLikeDescription([UInt8](data)) else { continue }
            result.append(path)
        }
        return result.sorted()
    }
}

enum BaselineFile {
    static func encode(_ baseline: Baseline) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: (try? encoder.encode(baseline)) ?? Data(), as: UTF8.self) + "\n"
    }

    static func load(_ path: String) throws(CLIFailure) -> Baseline {
        guard let data = FileManager.default.contents(atPath: path) else { throw .input("\(path): cannot read the baseline file") }
        do {
            return try JSONDecoder().decode(Baseline.self, from: data)
        } catch {
            throw .input("\(path): not a Rampart baseline (expected {\"version\": 1, \"fingerprints\": [...]}): \(error.localizedDescription)")
        }
    }
}
