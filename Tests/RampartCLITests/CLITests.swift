import Foundation
import Testing

/// Runs the real `rampart` binary, as a user or CI would.
struct CLI {
    static let binary: String = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rampart").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return projectRoot.appendingPathComponent(".build/debug/rampart").path
    }()
    static let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = projectRoot.appendingPathComponent("Tests/RampartSpecTests/Fixtures").path
    static let specs = projectRoot.deletingLastPathComponent().appendingPathComponent("shared/specs").path

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the binary on a thread of its own: blocking a concurrency-pool thread (there are two on
    /// this machine) while a child runs would starve every server living in this test process.
    static func detached(_ arguments: String..., in directory: String? = nil) async throws -> Result {
        try await detached(arguments, in: directory)
    }

    static func detached(_ arguments: [String], in directory: String? = nil) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                do { continuation.resume(returning: try run(arguments, in: directory)) } catch { continuation.resume(throwing: error) }
            }.start()
        }
    }

    static func run(_ arguments: [String], in directory: String?) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes concurrently so a large report cannot block the child.
        nonisolated(unsafe) var errData = Data()
        let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(1000) }
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    static func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }
}

@Test func cleanSpecExitsZero() async throws {
    let result = try await CLI.detached("audit", CLI.fixtures + "/clean.yaml")
    #expect(result.status == 0)
    #expect(result.stdout.contains("No findings."))
    #expect(result.stdout.contains("grade A+"))
    #expect(!result.stdout.contains("\u{1B}["), "no colour when piped")
}

@Test func failOnDecidesTheExitCode() async throws {
    let spec = CLI.fixtures + "/rules/http-basic-auth/positive.yaml"  // one medium finding
    #expect(try await CLI.detached("audit", spec).status == 0, "default --fail-on high")
    #expect(try await CLI.detached("audit", spec, "--fail-on", "medium").status == 1)
    #expect(try await CLI.detached("audit", spec, "--fail-on", "none").status == 0)
    #expect(try await CLI.detached("audit", CLI.fixtures + "/rules/api-key-in-query/positive.yaml").status == 1, "a high finding fails by default")
}

@Test func usageErrorsExitTwo() async throws {
    let badFlag = try await CLI.detached("audit", "--no-such-flag", CLI.fixtures + "/clean.yaml")
    #expect(badFlag.status == 2)
    #expect(badFlag.stderr.contains("--no-such-flag"))
    let badFormat = try await CLI.detached("audit", CLI.fixtures + "/clean.yaml", "--format", "pdf")
    #expect(badFormat.status == 2)
    #expect(try await CLI.detached("audit").status == 2, "missing argument")
}

@Test func unreadableOrInvalidSpecsExitTwoWithOneLine() async throws {
    let missing = try await CLI.detached("audit", "/nonexistent/api.yaml")
    #expect(missing.status == 2)
    #expect(missing.stderr == "rampart: /nonexistent/api.yaml: no such file or folder\n")
    let folder = try CLI.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try "{\n  \"openapi\": \"3.0.0\",\n  \"paths\": {,}\n}".write(toFile: folder + "/broken.json", atomically: true, encoding: .utf8)
    let broken = try await CLI.detached("audit", folder + "/broken.json")
    #expect(broken.status == 2)
    #expect(broken.stderr.hasPrefix("rampart: \(folder)/broken.json:3:13: invalid JSON"))
    #expect(broken.stderr.split(separator: "\n").count == 1)
    #expect(broken.stdout.isEmpty, "no report for input that could not be read")
}

@Test func reportsGoToTheOutputFileInEachFormat() async throws {
    let folder = try CLI.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    for format in ["text", "json", "sarif", "junit", "markdown", "html"] {
        let output = folder + "/report.\(format)"
        let result = try await CLI.detached("audit", CLI.fixtures + "/rules/http-basic-auth/positive.yaml", "--format", format, "--output", output)
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        let written = try String(contentsOfFile: output, encoding: .utf8)
        #expect(written.contains("http-basic-auth"), "\(format) report names the rule")
    }
}

@Test func baselineHidesAcceptedFindings() async throws {
    let folder = try CLI.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let spec = CLI.fixtures + "/rules/api-key-in-query/positive.yaml"
    let baseline = folder + "/baseline.json"
    #expect(try await CLI.detached("audit", spec, "--write-baseline", baseline, "--fail-on", "none").status == 0)
    let again = try await CLI.detached("audit", spec, "--baseline", baseline, "--fail-on", "low")
    #expect(again.status == 0, "every finding is in the baseline")
    #expect(again.stderr.contains("known finding(s) hidden, 0 new"))
    let other = try await CLI.detached("audit", CLI.fixtures + "/rules/http-basic-auth/positive.yaml", "--baseline", baseline, "--fail-on", "medium")
    #expect(other.status == 1, "a new finding still fails")
    try "not json".write(toFile: baseline, atomically: true, encoding: .utf8)
    let corrupt = try await CLI.detached("audit", spec, "--baseline", baseline)
    #expect(corrupt.status == 2)
    #expect(corrupt.stderr.contains("not a Rampart baseline"))
}

@Test func configurationFileIsReadAndValidated() async throws {
    let folder = try CLI.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let spec = CLI.fixtures + "/rules/api-key-in-query/positive.yaml"
    try "audit:\n  severity:\n    api-key-in-query: low\n".write(toFile: folder + "/rampart.yml", atomically: true, encoding: .utf8)
    #expect(try await CLI.detached("audit", spec, in: folder).status == 0, "./rampart.yml lowered the only high finding")
    try "audit:\n  disabel: [api-key-in-query]\n".write(toFile: folder + "/custom.yml", atomically: true, encoding: .utf8)
    let bad = try await CLI.detached("audit", spec, "--config", folder + "/custom.yml")
    #expect(bad.status == 2)
    #expect(bad.stderr == "rampart: \(folder)/custom.yml:2:3: unknown key 'audit.disabel' (expected: disable, severity)\n")
}

@Test func foldersAreAuditedTogetherAndBadFilesReported() async throws {
    let folder = try CLI.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try FileManager.default.copyItem(atPath: CLI.fixtures + "/clean.yaml", toPath: folder + "/a.yaml")
    try FileManager.default.copyItem(atPath: CLI.fixtures + "/rules/http-basic-auth/positive.yaml", toPath: folder + "/b.yaml")
    try "fragment: {type: string}\n".write(toFile: folder + "/fragment.yaml", atomically: true, encoding: .utf8)
    let ok = try await CLI.detached("audit", folder, "--format", "json")
    #expect(ok.status == 0)
    let json = try #require(try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any])
    #expect((json["subjects"] as? [Any])?.count == 2, "fragments without openapi/swagger are skipped")
    try "openapi: 3.0.0\npaths: [oops\n".write(toFile: folder + "/c.yaml", atomically: true, encoding: .utf8)
    let mixed = try await CLI.detached("audit", folder)
    #expect(mixed.status == 2, "an unreadable spec in a folder is an input error")
    #expect(mixed.stdout.contains("http-basic-auth"), "…but the others are still reported")
    #expect(mixed.stderr.contains("c.yaml:"))
}

@Test func demoRunsAndWritesHTML() async throws {
    let folder = try CLI.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let result = try await CLI.detached("demo", in: folder)
    #expect(result.status == 0)
    #expect(result.stdout.contains("Audit of the lab's description"))
    #expect(result.stdout.contains("bola-read") && result.stdout.contains("sql-injection"), "the scan finds the lab's flaws")
    #expect(result.stdout.contains("HTML report: "))
    #expect(FileManager.default.fileExists(atPath: folder + "/rampart-demo-report.html"))
}

@Test func helpTeachesWithExamples() async throws {
    let help = try await CLI.detached("audit", "--help")
    #expect(help.status == 0)
    #expect(help.stdout.contains("Examples:"))
    #expect(help.stdout.contains("--fail-on"))
    let root = try await CLI.detached("--help")
    #expect(root.stdout.contains("Exit codes"))
    #expect(try await CLI.detached("--version").stdout.hasPrefix("0."))
}

/// docs/rules.md and docs/scan.md embed `rampart rules --command … --format markdown`; this keeps them in sync.
@Test(arguments: [("audit", "docs/rules.md"), ("scan", "docs/scan.md")])
func ruleCataloguesInDocsAreCurrent(_ command: String, _ doc: String) async throws {
    let generated = try await CLI.detached("rules", "--command", command, "--format", "markdown").stdout
    let docs = try String(contentsOfFile: CLI.projectRoot.appendingPathComponent(doc).path, encoding: .utf8)
    let begin = "<!-- BEGIN GENERATED: rampart rules --command \(command) --format markdown -->\n", end = "<!-- END GENERATED -->"
    let start = try #require(docs.range(of: begin)).upperBound
    let stop = try #require(docs[start...].range(of: end)).lowerBound
    #expect(String(docs[start..<stop]) == generated, "\(doc) is stale: run Scripts/update-rule-docs.sh")
}
