import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NIOConcurrencyHelpers
import RampartLab
import RampartTestSupport
import Testing

/// `rampart scan` and `rampart lab` as a user runs them, against labs started in this process.
private func withLab<T>(secure: Bool = false, _ body: (URL, String) async throws -> T) async throws -> T {
    let lab = try await Lab(secure: secure).start()
    let folder = try CLI.temporaryFolder()
    let config = folder + "/lab.yml"
    try Lab.scanConfiguration.write(toFile: config, atomically: true, encoding: .utf8)
    defer {
        try? FileManager.default.removeItem(atPath: folder)
    }
    let result = try await body(lab.url, config)
    await lab.stop()
    return result
}

@Test func scanWritesValidSARIFAndGatesOnSeverity() async throws {
    let folder = try CLI.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let (status, stderr) = try await withLab { url, config in
        let result = try await CLI.detached("scan", "--spec", url.absoluteString + "/openapi.json", "--target", url.absoluteString, "--config", config,
                                 "--rps", "0", "--format", "sarif", "--output", folder + "/scan.sarif", "--fail-on", "high")
        return (result.status, result.stderr)
    }
    #expect(status == 1, "high findings with --fail-on high: \(stderr)")
    let script = """
    import json, sys, jsonschema
    schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))
    errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(doc))
    for e in errors[:5]: print("/".join(map(str, e.absolute_path)), e.message)
    results = doc["runs"][0]["results"]
    print("results:", len(results), "errors:", len(errors), "reproducible:", sum(1 for r in results if r["properties"].get("reproduce", "").startswith("curl ")))
    sys.exit(1 if errors else 0)
    """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, CLI.projectRoot.deletingLastPathComponent().appendingPathComponent("shared/schemas/sarif-schema-2.1.0.json").path, folder + "/scan.sarif"]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(output)")
    #expect(output.contains("errors: 0"))
    #expect(!output.contains("results: 0"))
}

@Test(arguments: ["json", "junit", "markdown", "html", "text"])
func everyFormatIsWritten(_ format: String) async throws {
    let result = try await withLab(secure: true) { url, config in
        try await CLI.detached("scan", "--target", url.absoluteString, "--config", config, "--rps", "0", "--format", format, "--only", "bola-read", "--only", "sql-injection")
    }
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("rampart scan: 19 operations"), "the summary goes to stderr: \(result.stderr)")
    switch format {
    case "json": #expect((try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) != nil)
    case "junit": #expect(result.stdout.hasPrefix("<?xml"))
    case "html": #expect(result.stdout.contains("<html"))
    default: #expect(!result.stdout.isEmpty)
    }
}

@Test func dryRunPrintsThePlanAndSendsNothing() async throws {
    let result = try await withLab { url, config in
        try await CLI.detached("scan", "--spec", CLI.projectRoot.appendingPathComponent("Sources/RampartLab/Resources/openapi.json").path,
                    "--target", url.absoluteString, "--config", config, "--dry-run")
    }
    #expect(result.status == 0)
    #expect(result.stdout.contains("identity alice (role user), signs up first"))
    #expect(result.stdout.contains("check: bola-read [API1, critical]"))
    #expect(result.stdout.contains("destructive requests: only on objects Rampart creates"))
}

@Test func badInputIsAClearErrorWithExitCode2() async throws {
    let folder = try CLI.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try "scan:\n  identities:\n    a: {login: {path: /x}}\n".write(toFile: folder + "/bad.yml", atomically: true, encoding: .utf8)
    try FileManager.default.createDirectory(atPath: folder + "/packs", withIntermediateDirectories: true)
    try "id: broken\n".write(toFile: folder + "/packs/broken.yaml", atomically: true, encoding: .utf8)
    try await withLab { url, config in
        let badConfig = try await CLI.detached("scan", "--target", url.absoluteString, "--config", folder + "/bad.yml")
        #expect(badConfig.status == 2)
        #expect(badConfig.stderr == "rampart: \(folder)/bad.yml:3:9: the login of 'a' needs 'token' (a JSON pointer into the response) or 'cookie' (a cookie name)\n")
        let badPack = try await CLI.detached("scan", "--target", url.absoluteString, "--config", config, "--rules", folder + "/packs")
        #expect(badPack.status == 2)
        #expect(badPack.stderr.contains("broken.yaml:1:1: missing 'severity'"))
        let badTarget = try await CLI.detached("scan", "--target", "ftp://example.com")
        #expect(badTarget.status == 2)
        let missingSpec = try await CLI.detached("scan", "--target", url.absoluteString, "--spec", url.absoluteString + "/nope.json")
        #expect(missingSpec.status == 2 && missingSpec.stderr.contains("nope.json"))
        let missingConfig = try await CLI.detached("scan", "--target", url.absoluteString, "--config", config.replacingOccurrences(of: "lab.yml", with: "wrong.yml"))
        #expect(missingConfig.status == 2 && missingConfig.stderr.contains("wrong.yml"))
        #expect(!badConfig.stderr.contains("Fatal") && !badPack.stderr.contains("Fatal"))
    }
}

@Test func aLoginThatFailsStopsTheScanWithItsReason() async throws {
    try await withLab { url, config in
        let text = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "admin-lab-password", with: "not-the-password")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await CLI.detached("scan", "--target", url.absoluteString, "--config", config)
        #expect(result.status == 2)
        #expect(result.stderr.contains("identity 'admin': login POST /api/v2/auth/login answered 401"), "\(result.stderr)")
    }
}

@Test func withoutASpecTheDescriptionIsDiscovered() async throws {
    let result = try await withLab { url, config in
        try await CLI.detached("scan", "--target", url.absoluteString, "--config", config, "--rps", "0", "--only", "bola-read", "--format", "json")
    }
    #expect(result.status == 1)
    #expect(result.stdout.contains("\"bola-read\""))
    let run = (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])?["run"] as? [String: Any]
    #expect((run?["requests"] as? Int ?? 0) > 0 && (run?["operations"] as? Int ?? 0) > 10 && run?["partial"] as? Bool == false,
            "the report records what the scan sent: \(run ?? [:])")
}

@Test func ctrlCStopsAndStillWritesThePartialReport() async throws {
    let lab = try await Lab().start()
    let folder = try CLI.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try Lab.scanConfiguration.write(toFile: folder + "/lab.yml", atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CLI.binary)
    process.arguments = ["scan", "--target", lab.url.absoluteString, "--config", folder + "/lab.yml", "--rps", "20", "--format", "json", "--output", folder + "/partial.json"]
    let err = Pipe()
    process.standardError = err
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    try await Task.sleep(for: .seconds(4))
    process.interrupt()
    let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    await lab.stop()
    #expect(stderr.contains("interrupted"), "\(stderr)")
    #expect(stderr.contains("partial"), "\(stderr)")
    let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/partial.json"))) as? [String: Any]
    #expect(report?["findings"] != nil)
    #expect((report?["run"] as? [String: Any])?["partial"] as? Bool == true)
    #expect("\(report ?? [:])".contains("partial scan"), "the report itself says it is partial")
}

@Test func theLabListensOnLoopbackAndServesItsConfiguration() async throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CLI.binary)
    process.arguments = ["lab", "--port", "0", "--secure"]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    defer { process.terminate(); process.waitUntilExit() }
    let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
    let first = String(line.split(separator: "\n").first ?? "")
    let url = try #require(first.split(separator: " ").last.map(String.init))
    #expect(url.hasPrefix("http://127.0.0.1:"), "binds loopback: \(first)")
    let (data, response) = try await URLSession.shared.data(from: try #require(URL(string: url + "/openapi.json")))
    #expect((response as? HTTPURLResponse)?.statusCode == 200)
    #expect(String(decoding: data, as: UTF8.self).contains("\"openapi\""), "the lab serves its description")
    let plan = try await CLI.detached("scan", "--target", url, "--dry-run").stdout
    #expect(plan.contains("would try \(url)/openapi.json"), "a dry run says where the description would come from: \(plan)")
    #expect(line.contains("secure twin"))
}

@Test func gatewayCheckValidatesAndVerifyLogReportsTheBrokenLine() async throws {
    let demo = CLI.projectRoot.appendingPathComponent("examples/gateway/demo.yml").path
    let check = try await CLI.detached("gateway", "--config", demo, "--check")
    #expect(check.status == 0, "\(check.stderr)")
    #expect(check.stdout.contains("valid (1 listener(s), 3 route(s), 1 upstream(s))"))
    let folder = try CLI.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try "gateway:\n  listeners: [{address: nowhere}]\n".write(toFile: folder + "/bad.yml", atomically: true, encoding: .utf8)
    let bad = try await CLI.detached("gateway", "--config", folder + "/bad.yml", "--check")
    #expect(bad.status == 2 && bad.stderr.contains("bad.yml:2:16: 'nowhere' is not host:port"), "\(bad.stderr)")
    let genesis = String(repeating: "0", count: 64)
    let line = #"{"bytes":0,"client":"127.0.0.1","correlation":"c","decision":"deny","latency_ms":1,"method":"GET","path":"/","prev":"\#(genesis)","status":401,"time":"t"}"#
    try (line + "\n" + line + "\n").write(toFile: folder + "/audit.jsonl", atomically: true, encoding: .utf8)
    let verify = try await CLI.detached("gateway", "verify-log", folder + "/audit.jsonl")
    #expect(verify.status == 1 && verify.stderr.contains("audit.jsonl:2: the chain is broken here"), "\(verify.stderr)")
}

/// `--dry-run` sends nothing at all: without --spec it would have downloaded the description first.
@Test func dryRunWithoutASpecDownloadsNothing() async throws {
    let requests = NIOLockedValueBox(0)
    let target = try await TestServer.start { _ in
        requests.withLockedValue { $0 += 1 }
        return Canned()
    }
    let result = try await CLI.detached("scan", "--target", target.httpURL.absoluteString, "--dry-run")
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("not fetched in a dry run; would try"), "\(result.stdout)")
    #expect(requests.withLockedValue { $0 } == 0, "a dry run sent requests")
    await target.stop()
}

@Test func aTargetNothingAnswersOnIsAnInputErrorNotAWait() async throws {
    let started = ContinuousClock.now
    let result = try await CLI.detached("scan", "--target", "http://127.0.0.1:1/")
    #expect(result.status == 2 && result.stderr.contains("cannot connect"), "\(result.stderr)")
    #expect(ContinuousClock.now - started < .seconds(30), "one refused connection ends discovery (nine paths waited 10 s each)")
}

@Test func trafficTeachesTheScanOperationsNothingLinksTo() async throws {
    // /search pastes q into SQL; no page links to it, so only the recorded traffic tells the scan it exists.
    let server = try await TestServer.start { head in
        guard head.uri.hasPrefix("/search?") else { return Canned(headers: [("Content-Type", "text/html")], body: "<p>nothing to see</p>") }
        let q = URLComponents(string: head.uri)?.queryItems?.first { $0.name == "q" }?.value ?? ""
        return q.filter({ $0 == "'" }).count % 2 == 1
            ? Canned(status: .internalServerError, body: "sqlite3.OperationalError: unrecognized token: \"'\(q)'\"")
            : Canned(headers: [("Content-Type", "application/json")], body: #"{"results": []}"#)
    }
    let folder = try CLI.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let target = server.httpURL.absoluteString.trimmingCharacters(in: ["/"])
    let har = """
        {"log": {"version": "1.2", "creator": {"name": "browser", "version": "1"}, "entries": [
          {"startedDateTime": "2026-12-01T10:00:00Z", "time": 5,
           "request": {"method": "GET", "url": "\(target)/search?q=tea", "httpVersion": "HTTP/1.1", "headers": [], "queryString": [{"name": "q", "value": "tea"}], "cookies": [], "headersSize": -1, "bodySize": 0},
           "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [{"name": "Content-Type", "value": "application/json"}], "cookies": [],
                        "content": {"size": 14, "mimeType": "application/json", "text": "{\\"results\\": []}"}, "redirectURL": "", "headersSize": -1, "bodySize": 14},
           "cache": {}, "timings": {"send": 0, "wait": 5, "receive": 0}}]}}
        """
    try har.write(toFile: folder + "/browsing.har", atomically: true, encoding: .utf8)
    let learnt = try await CLI.detached("scan", "--target", target, "--traffic", folder + "/browsing.har", "--only", "sql-injection", "--rps", "0", "--format", "json",
                                         "--fail-on", "none")
    #expect(learnt.status == 0, "\(learnt.stderr)")
    let findings = (try JSONSerialization.jsonObject(with: Data(learnt.stdout.utf8)) as? [String: Any])?["findings"] as? [[String: Any]] ?? []
    #expect(findings.compactMap { ($0["location"] as? [String: Any])?["parameter"] as? String } == ["q"], "\(learnt.stdout.prefix(600))")

    let crawled = try await CLI.detached("scan", "--target", target, "--only", "sql-injection", "--rps", "0", "--format", "json", "--fail-on", "none")
    let unseen = (try JSONSerialization.jsonObject(with: Data(crawled.stdout.utf8)) as? [String: Any])?["findings"] as? [[String: Any]]
    #expect(unseen?.isEmpty == true, "without the traffic nothing leads to /search")

    let dryRun = try await CLI.detached("scan", "--target", target, "--traffic", folder + "/browsing.har", "--dry-run")
    #expect(dryRun.stdout.contains("spec: drafted from 1 request(s)") && dryRun.stdout.contains("operation: GET /search"), "\(dryRun.stdout.prefix(400))")
    let both = try await CLI.detached("scan", "--target", target, "--traffic", folder + "/browsing.har", "--spec", folder + "/browsing.har")
    #expect(both.status == 2 && both.stderr.contains("--traffic and --spec"))
    try "not a traffic file\u{0}".write(toFile: folder + "/junk.har", atomically: true, encoding: .utf8)
    let junk = try await CLI.detached("scan", "--target", target, "--traffic", folder + "/junk.har")
    #expect(junk.status == 2 && junk.stderr.contains("junk.har") && !junk.stderr.contains("Fatal"), "\(junk.stderr)")
    await server.stop()
}
