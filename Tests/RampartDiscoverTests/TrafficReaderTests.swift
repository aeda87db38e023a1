import Foundation
import RampartTestSupport
import Testing
@testable import RampartDiscover

/// The three input formats, gzip, and bad input: counted and reported, never fatal, never a crash.
struct TrafficReaderTests {
    static func file(_ name: String, _ contents: String, gzip: Bool = false) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-discover-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        if gzip {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
            process.arguments = ["-f", path]
            try process.run()
            process.waitUntilExit()
            return path + ".gz"
        }
        return path
    }

    static func records(_ path: String, format: TrafficFormat? = nil) throws -> ([TrafficRecord], ReadSummary) {
        var records: [TrafficRecord] = []
        let summary = try TrafficSource.read(path: path, format: format) { records.append($0) }
        return (records, summary)
    }

    static let combined = """
        203.0.113.9 - alice [10/Oct/2024:13:55:36 -0700] "GET /api/orders/7?expand=items&q=a%20b HTTP/1.1" 200 2326 "https://shop.example/" "Mozilla/5.0"
        203.0.113.10 - - [10/Oct/2024:13:55:37 +0000] "POST http://api.example.com/api/orders HTTP/1.1" 201 12 "-" "curl/8.1"
        this is not a log line
        198.51.100.4 - - [10/Oct/2024:13:55:38 +0000] "\\x16\\x03\\x01" 400 0 "-" "-"
        198.51.100.4 - - [10/Oct/2024:13:55:39 +0000] "DELETE /api/orders/7 HTTP/1.1" 204 -

        """

    @Test func accessLogsCombinedAndCommon() throws {
        let (records, summary) = try Self.records(try Self.file("access.log", Self.combined))
        #expect(summary.format == .accessLog)
        #expect(records.map(\.method) == ["GET", "POST", "DELETE"])
        #expect(records[0].path == "/api/orders/7")
        #expect(records[0].query.map(\.name) == ["expand", "q"] && records[0].query[1].value == "a b")
        #expect(records[0].identity == "alice" && records[0].client == "203.0.113.9" && records[0].status == 200)
        #expect(records[0].time == 1_728_593_736)   // 13:55:36 -0700 is 20:55:36 UTC
        #expect(records[1].host == "api.example.com" && records[1].path == "/api/orders")
        #expect(records[2].status == 204)
        // The garbage line and the TLS handshake sent to a plain port are counted, with their line numbers.
        #expect(summary.malformed == 2 && summary.firstMalformed.map(\.line) == [3, 4])
    }

    @Test func gzipIsReadTransparently() throws {
        let (records, summary) = try Self.records(try Self.file("access.log", Self.combined, gzip: true))
        #expect(records.count == 3 && summary.malformed == 2)
    }

    @Test func aCorruptGzipFileIsAnInputError() throws {
        let path = try Self.file("access.log", Self.combined, gzip: true)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes = bytes.prefix(bytes.count / 2)
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect(throws: DiscoverError.self) { try Self.records(path) }
    }

    static let har = """
        {"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "pages": [{"id": "entries", "title": "not the entries"}],
          "entries": [
            {"startedDateTime": "2024-05-01T12:00:00.500Z",
             "request": {"method": "post", "url": "https://api.example.com/api/payments?currency=EUR",
                         "headers": [{"name": "Authorization", "value": "Bearer abc"}, {"name": "Content-Type", "value": "application/json"}],
                         "postData": {"mimeType": "application/json", "text": "{\\"card\\": \\"4111 1111 1111 1111\\", \\"amount\\": 12.5}"}},
             "response": {"status": 201, "headers": [{"name": "Content-Type", "value": "application/json; charset=utf-8"}],
                          "content": {"mimeType": "application/json", "encoding": "base64", "text": "eyJpZCI6IDQyLCAib2siOiB0cnVlfQ=="}}},
            {"request": {"method": "GET"}, "response": {"status": 200}},
            {"startedDateTime": "2024-05-01T12:00:01+02:00",
             "request": {"method": "GET", "url": "https://api.example.com/api/payments/42", "headers": []},
             "response": {"status": 200, "headers": [], "content": {"mimeType": "text/plain", "text": "ok \\" } { ] ["}}}
          ]}}
        """

    @Test func harEntriesAreStreamedOneByOne() throws {
        let (records, summary) = try Self.records(try Self.file("traffic.har", Self.har))
        #expect(summary.format == .har)
        #expect(records.count == 2)
        #expect(records[0].method == "POST" && records[0].host == "api.example.com" && records[0].path == "/api/payments")
        #expect(records[0].query.first?.value == "EUR")
        #expect(records[0].requestHeaders?.first?.name == "authorization")
        #expect(records[0].responseBody == #"{"id": 42, "ok": true}"#)   // base64 content decoded
        #expect(records[0].time == 1_714_564_800.5)
        #expect(records[1].time == 1_714_557_601)
        #expect(summary.malformed == 1 && summary.firstMalformed.first?.problem.contains("request.method and request.url") == true)
    }

    @Test func harEntriesSplitAcrossReadChunksAreWhole() throws {
        var splitter = EntrySplitter()
        var entries: [String] = []
        for byte in Array(Self.har.utf8) { splitter.feed([byte]) { bytes, _ in entries.append(String(decoding: bytes, as: UTF8.self)) } }
        #expect(entries.count == 3 && entries.allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") })
    }

    @Test func aHarCutShortKeepsTheEntriesBefore() throws {
        let cut = String(Self.har.prefix(Self.har.count - 200))
        let (records, summary) = try Self.records(try Self.file("cut.har", cut))
        #expect(records.count == 1)
        #expect(summary.firstMalformed.last?.problem.contains("cut short") == true)
    }

    @Test func jsonThatIsNotAHarIsAnInputError() throws {
        let error = #expect(throws: DiscoverError.self) { try Self.records(try Self.file("x.json", #"{"hello": [1, 2, 3]}"#), format: .har) }
        #expect(error?.description.contains("not a HAR file") == true)
    }

    @Test func gatewayRecordsAndAuditLogLines() throws {
        let lines = """
            {"time":"2026-11-29T10:00:00Z","client":"10.0.0.7","identity":"jwt:alice","method":"GET","path":"/users/42?expand=1","query":{"page":2},"status":200,"request_headers":{"Authorization":"[redacted]"}}
            {"time":"2026-11-29T10:00:01Z","client":"10.0.0.8","method":"GET","path":"/users/43","status":401,"decision":"deny","reason":"authentication required","correlation":"a-1"}
            {"method": "GET"}
            [1, 2]

            """
        let (records, summary) = try Self.records(try Self.file("gateway.jsonl", lines))
        #expect(summary.format == .gateway)
        #expect(records.count == 2)
        #expect(records[0].query.map(\.name) == ["expand", "page"] && records[0].identity == "jwt:alice")
        #expect(records[0].requestHeaders?.first?.name == "authorization")
        #expect(records[1].requestHeaders == nil)
        #expect(summary.firstMalformed.map(\.line) == [3, 4])
    }

    @Test func aFileWithNoReadableLineIsAnInputError() throws {
        let error = #expect(throws: DiscoverError.self) { try Self.records(try Self.file("junk.log", "junk\nmore junk\n")) }
        #expect(error?.description.contains(":1: no line could be read as access-log") == true)
    }

    @Test func aMissingFileIsAnInputError() {
        #expect(throws: DiscoverError.self) { try Self.records("/nonexistent/traffic.har") }
    }

    /// Mutated input through every parser: records or counted problems, never a crash or a hang. Seeded, so a failure
    /// replays (this found a closing bracket too many crashing the HAR splitter).
    @Test(arguments: [1, 2, 3, 4] as [UInt64]) func fuzzedInputNeverCrashesAParser(seed: UInt64) {
        var generator = SeededRandom(state: seed)
        let seeds = [Array(Self.combined.utf8), Array(Self.har.utf8)]
        for round in 0..<2_500 {
            var bytes = seeds[round % 2]
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
                case 1: bytes.remove(at: index)
                default: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: index)
                }
            }
            for line in bytes.split(separator: UInt8(ascii: "\n")) {
                _ = AccessLogParser.parse(line)
                _ = try? GatewayRecordParser.parse(line)
            }
            var splitter = EntrySplitter()
            splitter.feed(bytes) { entry, _ in _ = try? HARReader.record(from: entry) }
        }
    }
}
