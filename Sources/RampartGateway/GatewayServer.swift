import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The running gateway: one server channel per listener.
public final class GatewayServer: Sendable {
    /// The listeners' addresses, in configuration order, then the admin listener's.
    public let addresses: [SocketAddress]
    private let channels: [any Channel]
    private let pools: UpstreamPools
    private let auditLog: AuditLog?
    public let metrics: GatewayMetrics

    private init(channels: [any Channel], pools: UpstreamPools, auditLog: AuditLog?, metrics: GatewayMetrics) {
        self.metrics = metrics
        self.channels = channels
        self.pools = pools
        self.auditLog = auditLog
        addresses = channels.compactMap(\.localAddress)
    }

    /// Policies this build does not enforce yet. A gateway must never accept a policy and then
    /// not apply it, so a configuration that uses one is refused before anything listens.
    public static func unsupportedPolicies(in configuration: GatewayConfiguration) -> [String] {
        var problems: [String] = []
        for (name, authenticator) in configuration.authenticators {
            switch authenticator {
            case .jwt(let settings):
                if case .file = settings.keys { continue }
                problems.append("authenticator '\(name)': jwks_url and discovery (use jwks_file)")
            case .mutualTLS: problems.append("authenticator '\(name)': mtls")
            case .apiKey: continue
            }
        }
        if configuration.listeners.contains(where: { $0.tls?.clientCA != nil }) { problems.append("listener client certificates (mTLS)") }
        for (name, upstream) in configuration.upstreams.sorted(by: { $0.key < $1.key })
        where upstream.url.scheme?.lowercased() == "https" || upstream.caFile != nil {
            problems.append("upstream '\(name)': TLS to upstreams")
        }
        return problems
    }

    public enum StartError: Error, CustomStringConvertible {
        case unsupported([String])
        case tls(String, any Error)
        case auditLog(String, any Error)

        public var description: String {
            switch self {
            case .unsupported(let problems): "not enforced by this build yet, so refused: \(problems.joined(separator: "; "))"
            case .tls(let file, let error): "\(file): cannot load the TLS certificate or key (\(error))"
            case .auditLog(let file, let error): "\(file): cannot open the audit log (\(error))"
            }
        }
    }

    /// Binds every listener; throws before anything listens if the configuration cannot be served as written.
    /// `baseDirectory` is where relative files in the configuration (JWKS, certificates) are found.
    public static func start(_ configuration: GatewayConfiguration, baseDirectory: String = ".",
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> GatewayServer {
        let unsupported = unsupportedPolicies(in: configuration)
        guard unsupported.isEmpty else { throw StartError.unsupported(unsupported) }
        let pools = UpstreamPools()
        let gatekeeper = try await Gatekeeper.load(configuration, baseDirectory: baseDirectory)
        let auditLog = try configuration.auditLog.map { path in
            do { return try AuditLog(path: path.hasPrefix("/") ? path : (baseDirectory as NSString).appendingPathComponent(path)) } catch { throw StartError.auditLog(path, error) }
        }
        let metrics = GatewayMetrics()
        let runtime = GatewayRuntime(configuration: configuration, router: Router(routes: configuration.routes), pools: pools, gatekeeper: gatekeeper,
                                     auditLog: auditLog, metrics: metrics)
        var channels: [any Channel] = []
        do {
            for listener in configuration.listeners {
                let tlsContext = try listener.tls.map { tls in
                    do {
                        let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate).map { NIOSSLCertificateSource.certificate($0) }
                        var settings = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.key, format: .pem)))
                        settings.minimumTLSVersion = .tlsv12
                        return try NIOSSLContext(configuration: settings)
                    } catch {
                        throw StartError.tls(tls.certificate, error)
                    }
                }
                let channel = try await ServerBootstrap(group: group)
                    .serverChannelOption(.backlog, value: 1024)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            let pipeline = channel.pipeline.syncOperations
                            if let tlsContext { try pipeline.addHandler(NIOSSLServerHandler(context: tlsContext)) }
                            // Outbound headers need no second validation: they come from NIO's decoders (which refuse
                            // malformed ones) or from the configuration (validated on load).
                            try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true, withOutboundHeaderValidation: false)
                            let gate = ReadGate()
                            try pipeline.addHandler(gate)
                            try pipeline.addHandler(ClientConnectionHandler(runtime: runtime, readGate: gate, tls: tlsContext != nil))
                        }
                    }
                    .bind(host: listener.address.host, port: listener.address.port).get()
                channels.append(channel)
            }
            if let admin = configuration.admin {
                let channel = try await ServerBootstrap(group: group)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                            try channel.pipeline.syncOperations.addHandler(AdminHandler(metrics: metrics))
                        }
                    }
                    .bind(host: admin.host, port: admin.port).get()
                channels.append(channel)
            }
        } catch {
            for channel in channels { try? await channel.close() }
            throw error
        }
        return GatewayServer(channels: channels, pools: pools, auditLog: auditLog, metrics: metrics)
    }

    /// Stops listening and closes idle upstream connections.
    public func stop() async {
        for channel in channels { try? await channel.close() }
        pools.closeAll()
        auditLog?.flush()
    }
}
