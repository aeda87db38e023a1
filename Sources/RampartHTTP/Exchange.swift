import Foundation

/// One request the engine is asked to send.
public struct OutboundRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [(name: String, value: String)]
    public var body: Data?

    public init(method: String, url: URL, headers: [(name: String, value: String)] = [], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    public init(method: String, url: URL, headers: [(name: String, value: String)] = [], json: Any) {
        let data = (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .fragmentsAllowed])) ?? Data()
        self.init(method: method, url: url, headers: headers.contains { $0.name.lowercased() == "content-type" } ? headers : headers + [("Content-Type", "application/json")], body: data)
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Sets a header, replacing any with the same name.
    public mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.name.caseInsensitiveCompare(name) == .orderedSame }
        headers.append((name, value))
    }
}

/// What came back.
public struct ReceivedResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    /// The body, up to the engine's limit.
    public var body: Data
    public var elapsed: Duration

    public init(status: Int, headers: [(name: String, value: String)], body: Data, elapsed: Duration) {
        self.status = status
        self.headers = headers
        self.body = body
        self.elapsed = elapsed
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    public func headers(named name: String) -> [String] {
        headers.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
    public var json: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
    public var isSuccess: Bool { (200..<300).contains(status) }
    public var isRedirect: Bool { (300..<400).contains(status) }
    public var setsCookie: Bool { headers.contains { $0.name.lowercased() == "set-cookie" } }
}

/// A request and its response: the evidence behind a finding.
public struct Exchange: Sendable {
    public var request: OutboundRequest
    public var response: ReceivedResponse

    public init(request: OutboundRequest, response: ReceivedResponse) {
        self.request = request
        self.response = response
    }
}
