import Foundation

/// HAR 1.2 (browser and proxy exports), read as a stream: the bytes are scanned for the elements of
/// `log.entries` and each entry is parsed on its own, so only one entry is ever held in memory.
struct HARReader {
    /// Bodies longer than this are not kept for schema and sensitive-data inference (the request still counts).
    static let maximumBody = 256 * 1024

    private let path: String

    init(path: String) { self.path = path }

    func read(_ record: (TrafficRecord) -> Void, malformed: (Int, String) -> Void) throws(DiscoverError) {
        let reader = try ChunkReader(path: path)
        var splitter = EntrySplitter()
        var sawEntries = false
        while let chunk = try reader.next() {
            splitter.feed(chunk) { entry, line in
                sawEntries = true
                do throws(RecordProblem) { record(try Self.record(from: entry)) } catch { malformed(line, error.problem) }
            }
            if splitter.invalid { throw DiscoverError(file: path, line: splitter.line, problem: "not JSON (a HAR file is one JSON object)") }
        }
        if !sawEntries && !splitter.foundEntries { throw DiscoverError(file: path, problem: "no log.entries array: not a HAR file") }
        if splitter.depth != 0 { malformed(splitter.line, "the file ends inside the JSON (cut short?); the entries before were read") }
    }

    static func record(from bytes: [UInt8]) throws(RecordProblem) -> TrafficRecord {
        guard let entry = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else { throw RecordProblem(problem: "an entry that is not a JSON object") }
        guard let request = entry["request"] as? [String: Any], let method = request["method"] as? String, let url = request["url"] as? String else {
            throw RecordProblem(problem: "an entry without request.method and request.url")
        }
        guard let response = entry["response"] as? [String: Any], let status = (response["status"] as? NSNumber)?.intValue else {
            throw RecordProblem(problem: "an entry without response.status")
        }
        guard let schemeEnd = url.range(of: "://") else { throw RecordProblem(problem: "request.url is not absolute: \(url.prefix(80))") }
        let afterScheme = url[schemeEnd.upperBound...]
        let slash = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? afterScheme.endIndex
        var target = afterScheme[slash...]
        if let hash = target.firstIndex(of: "#") { target = target[..<hash] }
        let (path, query) = TrafficRecord.splitTarget(target.hasPrefix("?") || target.isEmpty ? "/" + target : target)
        let requestHeaders = headers(request["headers"])
        let responseHeaders = headers(response["headers"])
        let postData = request["postData"] as? [String: Any]
        let content = response["content"] as? [String: Any]
        var responseBody = content?["text"] as? String
        if content?["encoding"] as? String == "base64" {
            responseBody = responseBody.flatMap { Data(base64Encoded: $0) }.flatMap { String(data: $0, encoding: .utf8) }
        }
        return TrafficRecord(
            method: method.uppercased(), host: String(afterScheme[..<slash]), path: path, query: query, status: status,
            time: (entry["startedDateTime"] as? String).flatMap(Timestamp.iso8601), client: nil,
            requestHeaders: requestHeaders, responseHeaders: responseHeaders,
            requestBody: (postData?["text"] as? String).flatMap { $0.utf8.count <= maximumBody ? $0 : nil },
            requestContentType: postData?["mimeType"] as? String ?? requestHeaders.first { $0.name == "content-type" }?.value,
            responseBody: responseBody.flatMap { $0.utf8.count <= maximumBody ? $0 : nil },
            responseContentType: content?["mimeType"] as? String ?? responseHeaders.first { $0.name == "content-type" }?.value)
    }

    private static func headers(_ value: Any?) -> [(name: String, value: String)] {
        (value as? [[String: Any]] ?? []).compactMap { header in
            guard let name = header["name"] as? String, let value = header["value"] as? String else { return nil }
            return (name.lowercased(), value)
        }
    }
}

/// Finds the objects of `log.entries` in a stream of JSON bytes by tracking strings, nesting and keys.
struct EntrySplitter {
    private(set) var depth = 0
    private(set) var line = 1
    private(set) var foundEntries = false
    /// The bytes are not JSON at all (something other than `{` comes first).
    private(set) var invalid = false
    private var started = false
    private var inString = false
    private var escaped = false
    /// The key most recently read at depths 1 and 2 (`log`, then `entries`).
    private var keys = ["", "", ""]
    private var string: [UInt8] = []
    private var lastString = ""
    private var entriesDepth: Int?
    private var entry: [UInt8] = []
    private var entryLine = 0

    mutating func feed(_ chunk: [UInt8], _ emit: ([UInt8], Int) -> Void) {
        for byte in chunk {
            if byte == UInt8(ascii: "\n") { line += 1 }
            let inEntry = entriesDepth.map { depth > $0 } ?? false
            if inEntry { entry.append(byte) }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if depth <= 2 { lastString = String(decoding: string, as: UTF8.self) }
                } else if depth <= 2 && string.count < 64 {
                    string.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                string.removeAll(keepingCapacity: true)
            case UInt8(ascii: ":"):
                if (0...2).contains(depth) { keys[depth] = lastString }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if !started { started = true; if byte != UInt8(ascii: "{") { invalid = true; return } }
                if byte == UInt8(ascii: "["), depth == 2, keys[1] == "log", keys[2] == "entries" {
                    entriesDepth = 3
                    foundEntries = true
                } else if let entries = entriesDepth, depth == entries, byte == UInt8(ascii: "{") {
                    entry = [byte]
                    entryLine = line
                }
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                // More closing brackets than opening ones: this is not JSON any more.
                if depth < 0 { invalid = true; return }
                if let entries = entriesDepth {
                    if depth == entries && byte == UInt8(ascii: "}") {
                        emit(entry, entryLine)
                        entry.removeAll(keepingCapacity: true)
                    } else if depth < entries {
                        entriesDepth = nil
                    }
                }
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                break
            case 0xEF, 0xBB, 0xBF where !started:
                break  // a UTF-8 byte order mark
            default:
                if !started { invalid = true; return }
            }
        }
    }
}
