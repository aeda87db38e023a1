import Foundation

/// JSON lines from `rampart gateway`: its traffic records, and its audit log (which has no headers or bodies).
///
///     {"time":"2026-11-29T10:00:00Z","client":"10.0.0.7","identity":"jwt:alice","method":"GET","host":"api.example.com",
///      "path":"/users/42","query":{"expand":"orders"},"status":200,"request_headers":{"authorization":"[redacted]"},
///      "response_headers":{"content-type":"application/json"},"response_body":"{…}"}
enum GatewayRecordParser {
    static func parse(_ line: ArraySlice<UInt8>) throws(RecordProblem) -> TrafficRecord {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
            throw RecordProblem(problem: "not a JSON object")
        }
        guard let method = object["method"] as? String, let rawPath = object["path"] as? String, rawPath.hasPrefix("/") else {
            throw RecordProblem(problem: "a record without method and path")
        }
        guard let status = (object["status"] as? NSNumber)?.intValue else { throw RecordProblem(problem: "a record without status") }
        var (path, query) = TrafficRecord.splitTarget(Substring(rawPath))
        if let fields = object["query"] as? [String: Any] {
            query += fields.sorted { $0.key < $1.key }.map { ($0.key, "\($0.value)") }
        } else if let text = object["query"] as? String, !text.isEmpty {
            query += TrafficRecord.splitTarget(Substring("/?" + text)).query
        }
        let time: Double? = (object["time"] as? String).flatMap(Timestamp.iso8601) ?? (object["time"] as? NSNumber)?.doubleValue
        let requestHeaders = headers(object["request_headers"])
        let responseHeaders = headers(object["response_headers"])
        return TrafficRecord(
            method: method.uppercased(), host: object["host"] as? String, path: path, query: query, status: status, time: time,
            client: object["client"] as? String, requestHeaders: requestHeaders, responseHeaders: responseHeaders,
            requestBody: object["request_body"] as? String,
            requestContentType: requestHeaders?.first { $0.name == "content-type" }?.value,
            responseBody: object["response_body"] as? String,
            responseContentType: responseHeaders?.first { $0.name == "content-type" }?.value,
            identity: object["identity"] as? String)
    }

    private static func headers(_ value: Any?) -> [(name: String, value: String)]? {
        guard let fields = value as? [String: Any] else { return nil }
        return fields.sorted { $0.key < $1.key }.map { ($0.key.lowercased(), "\($0.value)") }
    }
}
