import Foundation
import NIOHTTP1
import RampartDiscover

/// Sampled JSON-lines records of requests and answers (`traffic_log:`), in the format `rampart discover`
/// reads. Credentials and sensitive values are redacted before anything is written; bodies are kept only
/// when JSON and small. Lines are written in order on a queue of their own, off the event loops.
final class TrafficRecorder: Sendable {
    let settings: GatewayConfiguration.TrafficLogSettings
    let path: String
    private let queue = DispatchQueue(label: "rampart.gateway.traffic")
    private let handle: FileHandle

    init(settings: GatewayConfiguration.TrafficLogSettings, path: String) throws {
        self.settings = settings
        self.path = path
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
    }

    struct Exchange {
        var client: String
        var identity: String?
        var request: HTTPRequestHead
        var path: String
        var status: Int
        var responseHeaders: HTTPHeaders?
        var requestBody: [UInt8]?
        var responseBody: [UInt8]?
        var correlation: String
    }

    static let redacted = "[redacted]"

    func record(_ exchange: Exchange) {
        let settings = settings
        queue.async { [handle] in
            var object: [String: Any] = [
                "time": Date().formatted(.iso8601), "client": exchange.client, "method": exchange.request.method.rawValue,
                "path": exchange.path, "status": exchange.status, "correlation": exchange.correlation,
            ]
            object["identity"] = exchange.identity
            object["host"] = exchange.request.headers.first(name: "host")
            var query: [String: String] = [:]
            for (name, value) in APIContract.query(exchange.request.uri) { query[name] = Self.redact(name: name, value: value) }
            if !query.isEmpty { object["query"] = query }
            object["request_headers"] = Self.headers(exchange.request.headers)
            if let headers = exchange.responseHeaders { object["response_headers"] = Self.headers(headers) }
            if settings.bodies {
                object["request_body"] = exchange.requestBody.flatMap { Self.body($0, limit: settings.maxBody) }
                object["response_body"] = exchange.responseBody.flatMap { Self.body($0, limit: settings.maxBody) }
            }
            guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
            handle.write(data + Data("\n".utf8))
        }
    }

    func flush() { queue.sync { try? handle.synchronize() } }

    private static func headers(_ headers: HTTPHeaders) -> [String: String] {
        var out: [String: String] = [:]
        for (name, value) in headers {
            let lower = name.lowercased()
            out[lower] = SensitiveValues.isCredentialHeader(lower) ? redacted : redact(name: lower, value: value)
        }
        return out
    }

    private static func redact(name: String, value: String) -> String {
        SensitiveValues.isSensitive(name: name, value: value) || SensitiveValues.isCredentialParameter(name) ? redacted : value
    }

    /// A JSON body with every sensitive value replaced; nil for anything else (or too large).
    private static func body(_ bytes: [UInt8], limit: Int) -> String? {
        guard bytes.count <= limit, var value = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else { return nil }
        redactJSON(&value, name: "")
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    private static func redactJSON(_ value: inout Any, name: String, depth: Int = 0) {
        guard depth < 32 else { return }
        switch value {
        case var object as [String: Any]:
            for key in Array(object.keys) {
                var child = object[key]!
                redactJSON(&child, name: key, depth: depth + 1)
                object[key] = child
            }
            value = object
        case var array as [Any]:
            for index in array.indices { redactJSON(&array[index], name: name, depth: depth + 1) }
            value = array
        case let string as String:
            if redact(name: name, value: string) == redacted { value = redacted }
        default:
            break
        }
    }
}

