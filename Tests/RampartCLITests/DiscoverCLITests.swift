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

/// Hostile traffic files: a gzip bomb, zero padding that gzip -d accepts, an empty file.
@Test func gzipBombsAreRefusedPaddingIsReadEmptyFilesAreErrors() async throws {
    let folder = try CLI.temporaryFolder()
    // 64 MB of zeros in about 64 KB: a ratio of 1,000 (real logs compress 5 to 50 times).
    let bomb = Process()
    bomb.executableURL = URL(fileURLWithPath: "/bin/sh")
    bomb.arguments = ["-c", "head -c 67108864 /dev/zero | gzip -9 > bomb.log.gz; printf '127.0.0.1 - - [10/Oct/2024:13:55:36 +0000] \"GET /api/a HTTP/1.1\" 200 1\\n' | gzip > padded.log.gz; head -c 512 /dev/zero >> padded.log.gz; : > empty.log"]
    bomb.currentDirectoryURL = URL(fileURLWithPath: folder)
    try bomb.run()
    bomb.waitUntilExit()
    let refused = try await CLI.detached("discover", "--input", "bomb.log.gz", in: folder)
    #expect(refused.status == 2 && refused.stderr.contains("decompression bomb"), "\(refused.stderr)")
    let capped = try await CLI.detached("discover", "--input", "padded.log.gz", "--max-input-bytes", "10", in: folder)
    #expect(capped.status == 2 && capped.stderr.contains("--max-input-bytes"), "\(capped.stderr)")
    let padded = try await CLI.detached("discover", "--input", "padded.log.gz", "--format", "json", "--fail-on", "none", in: folder)
    #expect(padded.status == 0 && padded.stdout.contains("/api/a"), "gzip -d reads it, so do we: \(padded.stderr)")
    let empty = try await CLI.detached("discover", "--input", "empty.log", in: folder)
    #expect(empty.status == 2 && empty.stderr.contains("empty"), "\(empty.stderr)")
}

/// --emit-spec never turns a secret into an enum: a handful of passwords, card numbers or tokens seen often enough
/// used to become `enum: [...]` in the draft, verbatim.
@Test func theDraftSpecNeverListsSensitiveValues() async throws {
    let folder = try CLI.temporaryFolder()
    let secrets = ["hunter2-Secret!", "4111111111111111", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"]
    var entries: [String] = []
    for index in 0..<12 {
        let body = #"{"password":"\#(secrets[0])","card":"\#(secrets[1])","session":"\#(secrets[2])","plan":"\#(["free", "pro"][index % 2])"}"#
        let escaped = body.replacingOccurrences(of: "\"", with: "\\\"")
        entries.append(#"{"startedDateTime":"2026-12-03T10:00:0\#(index % 10)Z","request":{"method":"POST","url":"http://api.example/api/signup","headers":[],"postData":{"mimeType":"application/json","text":"\#(escaped)"}},"response":{"status":201,"headers":[],"content":{"mimeType":"application/json","text":"{}"}}}"#)
    }
    try #"{"log":{"entries":[\#(entries.joined(separator: ","))]}}"#.write(toFile: folder + "/signup.har", atomically: true, encoding: .utf8)
    let result = try await CLI.detached("discover", "--har", "signup.har", "--emit-spec", "draft.yaml", "--fail-on", "none", in: folder)
    #expect(result.status == 0, "\(result.stderr)")
    let draft = try String(contentsOfFile: folder + "/draft.yaml", encoding: .utf8)
    #expect(draft.contains("free") && draft.contains("pro"), "an ordinary small set still becomes an enum: \(draft)")
    for secret in secrets { #expect(!draft.contains(secret), "\(secret) written into the draft") }
}

/// GraphQL traffic in a HAR file: the report lists its operations, and --emit-schema writes the SDL draft; without
/// GraphQL in the traffic, --emit-schema is a usage error.
@Test func graphQLTrafficIsListedPerOperationAndDraftedAsSDL() async throws {
    let folder = try CLI.temporaryFolder()
    func entry(_ request: String, _ answer: String) -> String {
        let quoted = { (text: String) in text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") }
        return #"{"startedDateTime":"2026-12-07T10:00:00Z","request":{"method":"POST","url":"http://api.example/graphql","headers":[],"postData":{"mimeType":"application/json","text":"\#(quoted(request))"}},"response":{"status":200,"headers":[],"content":{"mimeType":"application/json","text":"\#(quoted(answer))"}}}"#
    }
    let entries = [
        entry(#"{"query":"query A($id: ID!) { account(id: $id) { id balance } }","variables":{"id":"7"}}"#, #"{"data":{"account":{"id":"7","balance":3.5}}}"#),
        entry(#"{"query":"mutation { openAccount(nickname: \"n\") { id } }"}"#, #"{"data":{"openAccount":{"id":"9"}}}"#),
    ]
    try #"{"log":{"entries":[\#(entries.joined(separator: ","))]}}"#.write(toFile: folder + "/graphql.har", atomically: true, encoding: .utf8)
    let result = try await CLI.detached("discover", "--har", "graphql.har", "--emit-schema", "schema.graphql", "--format", "markdown", "--fail-on", "none", in: folder)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("GraphQL operations (2)") && result.stdout.contains("mutation openAccount"), "\(result.stdout)")
    let sdl = try String(contentsOfFile: folder + "/schema.graphql", encoding: .utf8)
    #expect(sdl.contains("account(id: ID!): Account") && sdl.contains("openAccount(nickname: String): OpenAccount"), "\(sdl)")
    try #"{"log":{"entries":[]}}"#.write(toFile: folder + "/rest.har", atomically: true, encoding: .utf8)
    let none = try await CLI.detached("discover", "--har", "rest.har", "--emit-schema", "none.graphql", in: folder)
    #expect(none.status == 2 && none.stderr.contains("--emit-schema: the traffic holds no GraphQL request"), "\(none.stderr)")
}
