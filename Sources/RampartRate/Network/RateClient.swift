import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import X509

/// The network side of `rampart rate`: TLS handshakes and plain HTTP/1.1 requests, each bounded
/// by a timeout. Certificates are never trusted blindly: every handshake records the chain the
/// server presented, and `CertificateInspector` judges it separately.
public final class RateClient: Sendable {
    let group: MultiThreadedEventLoopGroup
    public let timeout: TimeAmount
    /// Largest response body read, for error-page and HTML checks.
    public static let maxBody = 256 * 1024

    public init(timeout: Duration = .seconds(10), threads: Int = System.coreCount) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        self.timeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + Int64(timeout.components.attoseconds / 1_000_000_000))
    }

    public func shutdown() async throws { try await group.shutdownGracefully() }

    /// TLS contexts by (version, ciphers), built once: building one is far costlier than a handshake.
    private let contexts = NIOLockedValueBox<[String: NIOSSLContext]>([:])

    private func context(version: TLSVersion?, ciphers: [NIOTLSCipher]?) throws -> NIOSSLContext {
        let key = "\(version.map { "\($0)" } ?? "any")|\(ciphers?.map { "\($0.rawValue)" }.joined(separator: ",") ?? "default")"
        if let cached = contexts.withLockedValue({ $0[key] }) { return cached }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = version ?? .tlsv1
        configuration.maximumTLSVersion = version
        if let ciphers { configuration.cipherSuiteValues = ciphers }
        configuration.certificateVerification = .noHostnameVerification
        // The verification callback decides (it accepts and records every chain), so no roots need loading.
        configuration.trustRoots = .certificates([])
        let context = try NIOSSLContext(configuration: configuration)
        contexts.withLockedValue { $0[key] = context }
        return context
    }

    /// What one handshake showed.
    public struct Handshake: Sendable {
        public var version: TLSVersion?
        public var chain: [NIOSSLCertificate]
    }

    /// One TLS handshake, optionally pinned to one protocol version and a cipher list.
    public func handshake(host: String, port: Int, version: TLSVersion? = nil, ciphers: [NIOTLSCipher]? = nil) async throws -> Handshake {
        let context = try context(version: version, ciphers: ciphers)
        let presented = NIOLockedValueBox<[NIOSSLCertificate]>([])
        let serverName = Self.isIPAddress(host) ? nil : host
        let done = OncePromise<Void>(on: group.next())
        let channel = try await connect(host: host, port: port, failing: done) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(Self.recordingTLSHandler(context, serverName, into: presented))
                try channel.pipeline.syncOperations.addHandler(HandshakeWatcher(done))
            }
        }
        let deadline = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        defer {
            deadline.cancel()
            channel.close(promise: nil)
        }
        try await done.future.get()
        let negotiated = try await channel.nioSSL_tlsVersion().get()
        return Handshake(version: negotiated, chain: presented.withLockedValue { $0 })
    }

    /// One HTTP/1.1 request; redirects are not followed (the caller decides).
    public func request(_ url: URL, method: HTTPMethod = .GET, headers: [(String, String)] = []) async throws -> (parts: ResponseParts, chain: [NIOSSLCertificate]) {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = url.host else {
            throw ProbeError.unreachable("not an http(s) URL: \(url)")
        }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        let presented = NIOLockedValueBox<[NIOSSLCertificate]>([])
        let tlsContext = scheme == "https" ? try context(version: nil, ciphers: nil) : nil
        let serverName = Self.isIPAddress(host) ? nil : host
        let response = OncePromise<ResponseParts>(on: group.next())
        let channel = try await connect(host: host, port: port, failing: response) { [tlsContext] channel in
            channel.eventLoop.makeCompletedFuture {
                if let tlsContext {
                    try channel.pipeline.syncOperations.addHandler(Self.recordingTLSHandler(tlsContext, serverName, into: presented))
                }
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                try channel.pipeline.syncOperations.addHandler(ResponseCollector(response, maxBody: Self.maxBody))
            }
        }
        let deadline = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        defer {
            deadline.cancel()
            channel.close(promise: nil)
        }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: Self.target(of: url))
        head.headers.add(name: "Host", value: url.port.map { "\(host):\($0)" } ?? host)
        head.headers.add(name: "User-Agent", value: "rampart-rate")
        head.headers.add(name: "Connection", value: "close")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        try await channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
        let parts = try await response.future.get()
        return (parts, presented.withLockedValue { $0 })
    }

    /// Connects; when that fails, `pending` fails too so no promise is left uncompleted.
    /// One request as the graders see it, or nil when the host did not answer.
    public func capture(_ url: URL, method: HTTPMethod = .GET, headers: [(String, String)] = [], certificateVerified: Bool = true) async -> CapturedResponse? {
        guard let (parts, _) = try? await request(url, method: method, headers: headers) else { return nil }
        return CapturedResponse(url: url.absoluteString, status: parts.status, headers: parts.headers,
                                body: String(decoding: parts.body, as: UTF8.self), certificateVerified: certificateVerified)
    }

    private func connect<Value>(host: String, port: Int, failing pending: OncePromise<Value>,
                                _ initializer: @escaping @Sendable (Channel) -> EventLoopFuture<Void>) async throws -> Channel {
        do {
            return try await ClientBootstrap(group: group)
                .connectTimeout(timeout)
                .channelInitializer(initializer)
                .connect(host: host, port: port).get()
        } catch {
            let failure = ProbeError.unreachable("\(host):\(port): \(error)")
            pending.complete(.failure(failure))
            throw failure
        }
    }

    /// A TLS client handler that accepts every chain and records it: the inspector judges it
    /// afterwards, so a bad certificate is reported, not fatal.
    static func recordingTLSHandler(_ context: NIOSSLContext, _ serverName: String?, into presented: NIOLockedValueBox<[NIOSSLCertificate]>) throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: context, serverHostname: serverName) { chain, promise in
            presented.withLockedValue { $0 = chain }
            promise.succeed(.certificateVerified)
        }
    }

    static func target(of url: URL) -> String {
        let path = url.path.isEmpty ? "/" : url.path
        return url.query.map { "\(path)?\($0)" } ?? path
    }

    static func isIPAddress(_ host: String) -> Bool {
        host.contains(":") || host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy { Int($0) != nil }
    }
}
