import Foundation
import Testing

/// `rampart discover` as a user runs it: files in, a report and a drafted spec out, exit codes CI can gate on.
struct DiscoverCLITests {
    static let log = """
        203.0.113.9 - - [10/Oct/2024:13:55:36 +0000] "GET /api/v2/orders/7 HTTP/1.1" 200 120 "-" "app/1"
        203.0.113.9 - - [10/Oct/2024:13:55:37 +0000] "GET /api/v2/orders/8?token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl HTTP/1.1" 200 120 "-" "app/1"
        203.0.113.10 - - [10/Oct/2024:13:55:38 +0000] "GET /api/v2/internal/debug HTTP/1.1" 200 5 "-" "curl/8"
        not a log line

        """

    static let spec = """
        openapi: 3.0.3
        info: {title: Orders, version: "2"}
        servers: [{url: /api/v2}]
        paths:
          /orders/{id}:
            get:
              parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
              responses: {"200": {description: ok}}
          /orders:
            post:
              responses: {"201": {description: created}}
        """

    @Test func aLogAgainstASpecGivesFindingsADraftAndAGatingExitCode() async throws {
        let folder = try CLI.temporaryFolder()
        try Self.log.write(toFile: folder + "/access.log", atomically: true, encoding: .utf8)
        try Self.spec.write(toFile: folder + "/openapi.yaml", atomically: true, encoding: .utf8)
        let result = try await CLI.detached("discover", "--input", "access.log", "--spec", "openapi.yaml", "--emit-spec", "draft.yaml", in: folder)
        #expect(result.status == 1, "a credential in a URL is high: fails by default")
        #expect(result.stdout.contains("GET     /api/v2/orders/{orderId}"))
        for rule in ["credential-in-url", "shadow-operation", "orphan-operation"] { #expect(result.stdout.contains(rule)) }
        #expect(!result.stdout.contains("eyJhbGci") && !result.stderr.contains("eyJhbGci"), "the token itself is never printed")
        #expect(result.stderr.contains("access.log: 1 line(s) could not be read; the first at line 4"))
        #expect(result.stderr.contains("wrote an OpenAPI 3.1 draft of 2 operation(s) to draft.yaml"))
        // The draft is a spec like any other: the audit reads it.
        let audit = try await CLI.detached("audit", "draft.yaml", "--fail-on", "none", in: folder)
        #expect(audit.status == 0 && audit.stdout.contains("Score"))

        let json = try await CLI.detached("discover", "--log", "access.log", "--format", "json", "--fail-on", "none", in: folder)
        #expect(json.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let tables = try #require(document["tables"] as? [String: [[String: String]]])
        let endpoints = try #require(tables.first { $0.key.hasPrefix("Endpoints") }?.value)
        #expect(Set(endpoints.map { $0["path"] ?? "" }) == ["/api/v2/orders/{orderId}", "/api/v2/internal/debug"])
    }

    @Test func severalFilesOfSeveralFormatsMakeOneInventory() async throws {
        let folder = try CLI.temporaryFolder()
        try Self.log.write(toFile: folder + "/access.log", atomically: true, encoding: .utf8)
        let har = #"{"log":{"entries":[{"request":{"method":"GET","url":"https://api.example.com/api/v2/orders/99","headers":[{"name":"Authorization","value":"Bearer x"}]},"response":{"status":200}}]}}"#
        try har.write(toFile: folder + "/traffic.har", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        process.arguments = ["-k", folder + "/access.log"]
        try process.run()
        process.waitUntilExit()
        let result = try await CLI.detached("discover", "--input", "access.log.gz", "--input", "traffic.har", "--format", "json", "--fail-on", "none", in: folder)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let tables = try #require(document["tables"] as? [String: [[String: String]]])
        let orders = try #require(tables.first { $0.key.hasPrefix("Endpoints") }?.value.first { $0["path"] == "/api/v2/orders/{orderId}" })
        #expect(orders["requests"] == "3" && orders["auth"]?.contains("bearer") == true, "two log lines and one HAR entry, one operation")
        #expect(tables["Inputs"]?.map { $0["format"] ?? "" } == ["access-log", "har"])
    }

    @Test func badInputIsOneLineAndExitTwo() async throws {
        let folder = try CLI.temporaryFolder()
        try "junk\n".write(toFile: folder + "/junk.log", atomically: true, encoding: .utf8)
        try #"{"log": {"entries": [{"request": "#.write(toFile: folder + "/cut.har", atomically: true, encoding: .utf8)
        for arguments in [["discover", "--input", "missing.har"], ["discover", "--input", "junk.log"], ["discover", "--har", "junk.log"],
                          ["discover", "--input", "junk.log", "--spec", "missing.yaml"], ["discover"]] {
            let result = try await CLI.detached(arguments, in: folder)
            #expect(result.status == 2, "\(arguments)")
            #expect(!result.stderr.isEmpty && !result.stderr.contains("Fatal error"), "\(arguments)")
        }
        let junk = try await CLI.detached("discover", "--input", "junk.log", in: folder)
        #expect(junk.stderr.contains("junk.log:1: no line could be read as access-log"))
        // A HAR cut short inside its first entry: the problem is named.
        let cut = try await CLI.detached("discover", "--input", "cut.har", in: folder)
        #expect(cut.stderr.contains("cut short"))
    }
}
