/// What the header grader looks at: responses captured from a host, with no network code here,
/// so the grading can be tested on exact header sets.
public struct CapturedResponse: Sendable {
    public var url: String
    public var status: Int
    /// Header fields in order received; names compared case-insensitively.
    public var headers: [(name: String, value: String)]
    public var body: String
    /// Whether the TLS certificate chain verified (HSTS needs a valid chain to count).
    public var certificateVerified: Bool
    /// The `Origin` this request sent, for the CORS test.
    public var requestOrigin: String?

    public init(url: String, status: Int = 200, headers: [(name: String, value: String)], body: String = "",
                certificateVerified: Bool = true, requestOrigin: String? = nil) {
        self.url = url
        self.status = status
        self.headers = headers
        self.body = body
        self.certificateVerified = certificateVerified
        self.requestOrigin = requestOrigin
    }

    public func values(_ name: String) -> [String] {
        headers.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    public func first(_ name: String) -> String? { values(name).first }

    public var isHTTPS: Bool { url.lowercased().hasPrefix("https://") }
    public var isHTML: Bool { first("Content-Type")?.lowercased().contains("text/html") == true }
}

/// Everything one Observatory-style rating needs.
public struct HeaderEvidence: Sendable {
    /// The final response for the site's URL (the Observatory's "auto" response).
    public var response: CapturedResponse?
    /// The response over HTTPS, if the host speaks it.
    public var https: CapturedResponse?
    /// The same request sent with a foreign `Origin` header.
    public var cors: CapturedResponse?
    /// Redirect chain followed from the plain-HTTP URL: each URL visited, first to last.
    /// Nil when plain HTTP could not be reached.
    public var httpRedirectChain: [String]?
    /// True when a redirect in the chain hit a certificate that did not verify.
    public var redirectHitInvalidCertificate: Bool

    public init(response: CapturedResponse?, https: CapturedResponse? = nil, cors: CapturedResponse? = nil,
                httpRedirectChain: [String]? = nil, redirectHitInvalidCertificate: Bool = false) {
        self.response = response
        self.https = https ?? (response?.isHTTPS == true ? response : nil)
        self.cors = cors
        self.httpRedirectChain = httpRedirectChain
        self.redirectHitInvalidCertificate = redirectHitInvalidCertificate
    }
}

/// The outcome of one Observatory test: its name, the result name the Observatory uses, and the points.
public struct HeaderTestResult: Codable, Hashable, Sendable {
    public var name: String
    public var result: String
    public var modifier: Int
    public var pass: Bool
    public var description: String

    public init(name: String, result: String, modifier: Int, pass: Bool, description: String) {
        self.name = name
        self.result = result
        self.modifier = modifier
        self.pass = pass
        self.description = description
    }
}
