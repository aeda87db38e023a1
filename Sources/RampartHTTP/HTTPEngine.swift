import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOSSL

/// Sends the scan's requests: only to origins in scope, within the rate, concurrency and request budget,
/// with timeouts, and retries after connection failures only. Redirects are never followed here.
public final class HTTPEngine: Sendable {
    public let scope: Scope
    public let options: EngineOptions
    private let client: HTTPClient
    private let gate: AsyncSemaphore
    private let pacer: RatePacer?
    private let state = NIOLockedValueBox(Counters())
    private let observers = NIOLockedValueBox<[@Sendable (Exchange) -> Void]>([])

    /// What the engine has done so far.
    public struct Counters: Sendable {
        public var sent = 0
        public var transportErrors = 0
        public var refused: [String] = []
        /// Every response's latency in microseconds, for percentiles.
        public var latencies: [Int] = []
        public var stopped = false
    }

    public init(scope: Scope, options: EngineOptions) throws {
        self.scope = scope
        self.options = options
        var tls = TLSConfiguration.makeClientConfiguration()
        if options.insecure { tls.certificateVerification = .none }
        if let caFile = options.caFile {
            tls.additionalTrustRoots = [.file(caFile)]
        }
        if let certificate = options.clientCertificate, let key = options.clientKey {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(Int64(max(1, options.timeout.components.seconds))), read: .seconds(Int64(max(1, options.timeout.components.seconds)))),
            connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, options.concurrency)),
            decompression: .enabled(limit: .ratio(50)))
        configuration.httpVersion = .http1Only
        if let proxy = options.proxy, let host = proxy.host {
            configuration.proxy = .server(host: host, port: proxy.port ?? 8080)
        }
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        gate = AsyncSemaphore(permits: max(1, options.concurrency))
        pacer = options.requestsPerSecond.map { RatePacer(perSecond: $0) }
    }

    public var counters: Counters { state.withLockedValue { $0 } }

    /// Calls `observer` with every exchange from now on (passive checks look at every answer of the scan this way).
    public func observe(_ observer: @escaping @Sendable (Exchange) -> Void) {
        observers.withLockedValue { $0.append(observer) }
    }

    /// Stops the engine: requests not yet sent are refused.
    public func stop() {
        state.withLockedValue { $0.stopped = true }
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Sends one request, within every limit. Throws `EngineRefusal` when it may not be sent, or the transport error.
    public func send(_ request: OutboundRequest) async throws -> Exchange {
        guard scope.contains(request.url) else {
            state.withLockedValue { $0.refused.append(request.url.absoluteString) }
            throw EngineRefusal.outOfScope(request.url.absoluteString)
        }
        try reserve()
        await gate.acquire()
        defer { Task { await gate.release() } }
        if let pacer {
            let slot = await pacer.slot()
            try await Task.sleep(until: slot, clock: .continuous)
        }
        var attempt = 0
        while true {
            do {
                let response = try await perform(request)
                noteRedirect(from: request.url, response)
                state.withLockedValue { $0.latencies.append(Int(response.elapsed.components.seconds * 1_000_000 + response.elapsed.components.attoseconds / 1_000_000_000_000)) }
                let exchange = Exchange(request: request, response: response)
                for observer in observers.withLockedValue({ $0 }) { observer(exchange) }
                return exchange
            } catch where attempt < options.retries && Self.isConnectionFailure(error) {
                attempt += 1
                state.withLockedValue { $0.transportErrors += 1 }
                try await Task.sleep(for: .milliseconds(100 * attempt))
            } catch {
                state.withLockedValue { $0.transportErrors += 1 }
                throw error
            }
        }
    }

    /// Redirects are never followed; one that leaves the scope is recorded with the refused URLs.
    private func noteRedirect(from url: URL, _ response: ReceivedResponse) {
        guard (300..<400).contains(response.status), let location = response.header("Location"),
              let target = URL(string: location, relativeTo: url)?.absoluteURL, !scope.contains(target) else { return }
        state.withLockedValue { $0.refused.append("\(target.absoluteString) (redirect from \(url.absoluteString), not followed)") }
    }

    /// Counts the request against the budget, or refuses it.
    private func reserve() throws {
        try state.withLockedValue { counters in
            if counters.stopped { throw EngineRefusal.stopped }
            if let budget = options.requestBudget, counters.sent >= budget { throw EngineRefusal.budgetExhausted(budget) }
            counters.sent += 1
        }
    }

    private func perform(_ request: OutboundRequest) async throws -> ReceivedResponse {
        var outbound = HTTPClientRequest(url: request.url.absoluteString)
        outbound.method = HTTPMethod(rawValue: request.method)
        for header in request.headers { outbound.headers.add(name: header.name, value: header.value) }
        if !request.headers.contains(where: { $0.name.lowercased() == "user-agent" }) {
            outbound.headers.add(name: "User-Agent", value: "Rampart-Scan/0.1 (+https://github.com/rampart-security/rampart)")
        }
        if let body = request.body { outbound.body = .bytes(ByteBuffer(bytes: body)) }
        let started = ContinuousClock.now
        let response = try await client.execute(outbound, timeout: .nanoseconds(Int64(options.timeout.components.seconds) * 1_000_000_000 + options.timeout.components.attoseconds / 1_000_000_000))
        var body = Data()
        for try await chunk in response.body where body.count < options.maxBodyBytes {
            body.append(contentsOf: chunk.readableBytesView.prefix(options.maxBodyBytes - body.count))
        }
        return ReceivedResponse(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: body,
                                elapsed: ContinuousClock.now - started)
    }

    /// Failures to reach the server at all, which are worth another try; a timeout or an answer never is.
    static func isConnectionFailure(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError {
            return error == .remoteConnectionClosed || error == .connectTimeout
        }
        return !(error is CancellationError) && "\(error)".lowercased().contains("connect")
    }

    /// The latency below which `fraction` of responses came, in milliseconds.
    public func latencyPercentile(_ fraction: Double) -> Double {
        let sorted = counters.latencies.sorted()
        guard !sorted.isEmpty else { return 0 }
        return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]) / 1000
    }
}
