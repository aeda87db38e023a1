import Foundation

/// How the engine sends: limits, timeouts, TLS and proxy.
public struct EngineOptions: Sendable {
    /// Requests per second across the whole scan; nil means no limit.
    public var requestsPerSecond: Double?
    public var concurrency: Int
    public var timeout: Duration
    /// Extra attempts after a connection failure (never after an HTTP answer, and never after a timeout).
    public var retries: Int
    /// The most requests the scan may send; nil means no limit.
    public var requestBudget: Int?
    /// An HTTP proxy such as Burp or ZAP (`http://127.0.0.1:8080`).
    public var proxy: URL?
    /// Accept any server certificate.
    public var insecure: Bool
    /// Extra trusted CA certificates (PEM).
    public var caFile: String?
    /// A client certificate and its key (PEM), for mutual TLS.
    public var clientCertificate: String?
    public var clientKey: String?
    /// Response bodies are kept up to this many bytes.
    public var maxBodyBytes: Int

    public init(requestsPerSecond: Double? = 50, concurrency: Int = 8, timeout: Duration = .seconds(10), retries: Int = 2,
                requestBudget: Int? = nil, proxy: URL? = nil, insecure: Bool = false, caFile: String? = nil,
                clientCertificate: String? = nil, clientKey: String? = nil, maxBodyBytes: Int = 1 << 20) {
        self.requestsPerSecond = requestsPerSecond
        self.concurrency = concurrency
        self.timeout = timeout
        self.retries = retries
        self.requestBudget = requestBudget
        self.proxy = proxy
        self.insecure = insecure
        self.caFile = caFile
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.maxBodyBytes = maxBodyBytes
    }
}
