import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NIOConcurrencyHelpers
import RampartTestSupport
import Testing

/// `rampart gateway` as an operator runs it: a process that reloads on SIGHUP and drains on SIGTERM.
@Test func theGatewayProcessReloadsOnSIGHUPAndStopsOnSIGTERM() async throws {
    let one = try await TestServer.start { _ in Canned(body: "one") }
    let two = try await TestServer.start { _ in Canned(body: "two") }
    let config = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-gateway-\(UUID().uuidString).yml").path
    func write(_ upstream: TestServer, extra: String = "") throws {
        try """
        gateway:
          listeners: [{address: "127.0.0.1:0"}]
          upstreams: {api: {url: "\(upstream.httpURL.absoluteString)"}}
        \(extra)  routes: [{path: /, upstream: api}]
        """.write(toFile: config, atomically: true, encoding: .utf8)
    }
    try write(one)
    defer { try? FileManager.default.removeItem(atPath: config) }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: CLI.binary)
    process.arguments = ["gateway", "--config", config, "--drain-timeout", "5"]
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let output = NIOLockedValueBox(""), errors = NIOLockedValueBox("")
    out.fileHandleForReading.readabilityHandler = { handle in output.withLockedValue { $0 += String(decoding: handle.availableData, as: UTF8.self) } }
    err.fileHandleForReading.readabilityHandler = { handle in errors.withLockedValue { $0 += String(decoding: handle.availableData, as: UTF8.self) } }
    try process.run()
    defer { if process.isRunning { process.terminate() } }

    /// Waits (at most 15 s) until `text` contains what `condition` looks for.
    func eventually(_ text: NIOLockedValueBox<String>, _ condition: @escaping (String) -> Bool) async throws -> String {
        for _ in 0..<300 {
            let value = text.withLockedValue { $0 }
            if condition(value) { return value }
            try await Task.sleep(for: .milliseconds(50))
        }
        return text.withLockedValue { $0 }
    }
    let banner = try await eventually(output) { $0.contains("listening on") }
    let port = try #require(banner.firstMatch(of: /http:\/\/127\.0\.0\.1:(\d+)/).map { String($0.1) }, "\(banner)")
    func body() async throws -> String {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/")!)
        return String(decoding: data, as: UTF8.self)
    }
    #expect(try await body() == "one")

    try write(two)
    kill(process.processIdentifier, SIGHUP)
    #expect(try await eventually(errors) { $0.contains("reloaded") }.contains("reloaded \(config)"))
    #expect(try await body() == "two")

    try write(two, extra: "  authenticators: {idp: {jwt: {issuer: x, jwks_file: /nonexistent.json, algorithms: [RS256]}}}\n")
    kill(process.processIdentifier, SIGHUP)
    let refused = try await eventually(errors) { $0.contains("reload refused") }
    #expect(refused.contains("reload refused, still serving the previous configuration") && refused.contains("/nonexistent.json"))
    #expect(try await body() == "two")

    kill(process.processIdentifier, SIGTERM)
    for _ in 0..<200 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
    #expect(!process.isRunning, "SIGTERM drains and exits")
    #expect(process.terminationStatus == 0)
    #expect(errors.withLockedValue { $0 }.contains("draining"))
    await one.stop()
    await two.stop()
}

@Test func hashKeyPrintsTheSaltedHashOfTheKeyOnStandardInput() throws {
    func hashKey(_ input: String, _ arguments: [String] = []) throws -> (status: Int32, stdout: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["gateway", "hash-key"] + arguments
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
    // SHA-256 of "s4lt" followed by the key, as the gateway compares it.
    #expect(try hashKey("ci-secret-key\n", ["--salt", "s4lt"]) == (0, "sha256:s4lt:86a122fe3ccaf02a8136e9202211ceb663ac4198b775d40981983860836e0a84\n"))
    let random = try hashKey("ci-secret-key")
    #expect(random.status == 0 && random.stdout.wholeMatch(of: /sha256:[0-9a-f]{16}:[0-9a-f]{64}\n/) != nil, "\(random.stdout)")
    #expect(try hashKey("").status == 2, "no key is a usage error")
}

@Test func checkLoadsEverythingAndWritesNothing() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-gateway-check-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let examples = CLI.projectRoot.appendingPathComponent("examples/gateway")
    for file in ["demo.yml", "demo-jwks.json"] {
        try FileManager.default.copyItem(at: examples.appendingPathComponent(file), to: directory.appendingPathComponent(file))
    }
    let config = directory.appendingPathComponent("demo.yml").path
    let result = try await CLI.detached("gateway", "--config", config, "--check")
    #expect(result.status == 0 && result.stdout.contains("valid (1 listener(s), 3 route(s), 1 upstream(s))"), "\(result)")
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("gateway-audit.jsonl").path), "a check opens no audit log")
    // Keys that cannot be loaded fail the check, naming the authenticator and the file.
    try FileManager.default.removeItem(at: directory.appendingPathComponent("demo-jwks.json"))
    let missing = try await CLI.detached("gateway", "--config", config, "--check")
    #expect(missing.status == 2 && missing.stderr.contains("authenticator 'demo'") && missing.stderr.contains("demo-jwks.json: cannot read the file"), "\(missing)")
}

/// `--check` run from the configuration's own folder with a relative audit log: the folder is "", which is the current one.
@Test func checkFromTheConfigurationsOwnFolderFindsTheAuditLogWritable() async throws {
    let folder = try CLI.temporaryFolder()
    try """
    gateway:
      listeners: [{address: "127.0.0.1:0"}]
      upstreams: {api: {url: "http://127.0.0.1:9"}}
      routes: [{path: /, upstream: api}]
      audit_log: audit.jsonl
    """.write(toFile: folder + "/demo.yml", atomically: true, encoding: .utf8)
    let result = try await CLI.detached("gateway", "--config", "demo.yml", "--check", in: folder)
    #expect(result.status == 0 && result.stdout.contains("valid"), "\(result.stderr)")
}
