import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The running gateway: one server channel per listener, and the configuration they serve, which a
/// reload replaces as a whole (requests already in flight finish under the one they started with).
public final class GatewayServer: Sendable {
    /// The listeners' addresses, in configuration order, then the admin listener's.
    public let addresses: [SocketAddress]
    private let channels: [any Channel]
    private let current: CurrentRuntime
    private let connections: ConnectionTracker
    private let baseDirectory: String
    public let metrics: GatewayMetrics

    private init(channels: [any Channel], current: CurrentRuntime, connections: ConnectionTracker, baseDirectory: String) {
        self.channels = channels
        self.current = current
        self.connections = connections
        self.baseDirectory = baseDirectory
        metrics = current.value.metrics
        addresses = channels.compactMap(\.localAddress)
    }

    public enum StartError: Error, CustomStringConvertible {
        case tls(String, any Error)
        case auditLog(String, any Error)
        case contract(String, any Error)
        case trafficLog(String, any Error)
        case persistedQueries(String, String)
        case listenersChanged

        public var description: String {
            switch self {
            case .tls(let file, let error): "\(file): cannot load the TLS certificate, key or CA bundle (\(error))"
            case .auditLog(let file, let error): "\(file): cannot open the audit log (\(error))"
            case .contract(let file, let error): "\(file): cannot enforce this API description: \(error)"
            case .trafficLog(let file, let error): "\(file): cannot open the traffic log (\(error))"
            case .persistedQueries(let file, let problem): "\(file): cannot use these persisted queries: \(problem)"
            case .listenersChanged: "listeners, admin and threads cannot change on reload (restart the gateway for that)"
            }
        }
    }

    /// Binds every listener; throws before anything listens if the configuration cannot be served as written.
    /// `baseDirectory` is where relative files in the configuration (keys, certificates) are found.
    public static func start(_ configuration: GatewayConfiguration, baseDirectory: String = ".",
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> GatewayServer {
        let runtime = try await GatewayRuntime.build(configuration, baseDirectory: baseDirectory, previous: nil)
        let current = CurrentRuntime(runtime)
        let connections = ConnectionTracker(metrics: runtime.metrics)
        var channels: [any Channel] = []
        do {
            for (index, listener) in configuration.listeners.enumerated() {
                let channel = try await ServerBootstrap(group: group)
                    .serverChannelOption(.backlog, value: 1024)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    // Accept connections in large batches, so a burst of new clients is not trickled in four at a time.
                    .serverChannelOption(.maxMessagesPerRead, value: 256)
                    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                    // The connection's handler asks for each read itself (`HeldReads`).
                    .childChannelOption(.autoRead, value: false)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            let pipeline = channel.pipeline.syncOperations
                            // The listener's TLS context is the current one, so a reload can rotate certificates.
                            let tlsContext = current.value.listenerTLS[index]
                            if let tlsContext { try pipeline.addHandler(NIOSSLServerHandler(context: tlsContext)) }
                            // One handler reads HTTP/1.1 off the bytes, checks, forwards and answers: no codec handlers, no
                            // message passed between handlers per request part.
                            try pipeline.addHandler(ClientConnectionHandler(current: current, tls: tlsContext != nil))
                            connections.opened(channel)
                        }
                    }
                    .bind(host: listener.address.host, port: listener.address.port).get()
                channels.append(channel)
            }
            if let admin = configuration.admin {
                let metrics = runtime.metrics
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
        return GatewayServer(channels: channels, current: current, connections: connections, baseDirectory: baseDirectory)
    }

    /// Everything `start` does except listening and opening the audit log: keys fetched, certificates loaded,
    /// the audit log's place checked to be writable.
    public static func check(_ configuration: GatewayConfiguration, baseDirectory: String = ".") async throws {
        _ = try await GatewayRuntime.build(configuration, baseDirectory: baseDirectory, previous: nil, checkOnly: true)
    }

    /// Serves `configuration` from now on, without closing a connection. Throws, keeping the running
    /// configuration, if the new one cannot be served (keys that cannot be loaded, changed listeners).
    public func reload(_ configuration: GatewayConfiguration) async throws {
        let old = current.value
        guard configuration.listeners.map(\.address) == old.configuration.listeners.map(\.address), configuration.admin == old.configuration.admin,
              configuration.threads == old.configuration.threads else { throw StartError.listenersChanged }
        let runtime = try await GatewayRuntime.build(configuration, baseDirectory: baseDirectory, previous: old)
        current.value = runtime
        if runtime.auditLog !== old.auditLog { old.auditLog?.close() }
    }

    /// Stops accepting connections, lets the requests in flight finish (for at most `drainTimeout` seconds;
    /// idle keep-alive connections are closed at once), then closes what is left.
    public func stop(drainTimeout: Double = 0) async {
        for channel in channels { try? await channel.close() }
        await connections.drain(timeout: drainTimeout)
        current.value.pools.closeAll()
        current.value.auditLog?.close()
        current.value.trafficRecorder?.flush()
    }

    /// Client connections open now.
    public var openConnections: Int { connections.count }
}

/// Everything built from one configuration.
/// A class: it is fetched for every request, and a reference costs one retain where a copy would cost one per field.
final class GatewayRuntime: Sendable {
    let configuration: GatewayConfiguration
    let router: Router
    let pools: UpstreamPools
    let gatekeeper: Gatekeeper
    let auditLog: AuditLog?
    let metrics: GatewayMetrics
    /// Per listener, in configuration order: its TLS context, if it terminates TLS.
    let listenerTLS: [NIOSSLContext?]
    /// Per upstream name: the TLS context for https upstreams.
    let upstreamTLS: [String: NIOSSLContext]
    /// Per route index: the API description it enforces.
    let contracts: [Int: APIContract]
    /// Per route index: its GraphQL policy, ready to check requests.
    let graphQLGuards: [Int: GraphQLGuard]
    /// Per route index: its upstream (looked up by name once, not per request).
    let routeUpstreams: [GatewayConfiguration.Upstream?]
    let trafficRecorder: TrafficRecorder?
    /// Anomaly detection and what its alerts do; kept across reloads while its settings stay the same (so are its baselines).
    let alerts: AlertSink?

    init(configuration: GatewayConfiguration, router: Router, pools: UpstreamPools, gatekeeper: Gatekeeper, auditLog: AuditLog?, metrics: GatewayMetrics,
         listenerTLS: [NIOSSLContext?], upstreamTLS: [String: NIOSSLContext], contracts: [Int: APIContract], graphQLGuards: [Int: GraphQLGuard] = [:],
         trafficRecorder: TrafficRecorder?, alerts: AlertSink?) {
        self.graphQLGuards = graphQLGuards
        self.configuration = configuration
        self.router = router
        self.pools = pools
        self.gatekeeper = gatekeeper
        self.auditLog = auditLog
        self.metrics = metrics
        self.listenerTLS = listenerTLS
        self.upstreamTLS = upstreamTLS
        self.contracts = contracts
        routeUpstreams = configuration.routes.map { configuration.upstreams[$0.upstream] }
        self.trafficRecorder = trafficRecorder
        self.alerts = alerts
    }

    /// Builds a runtime; `previous` lends what must survive a reload (metrics, pools, rate-limit state, an unchanged audit log).
    /// With `checkOnly`, the audit log is only checked to be writable, not opened (a check creates no file).
    static func build(_ configuration: GatewayConfiguration, baseDirectory: String, previous: GatewayRuntime?,
                      checkOnly: Bool = false) async throws -> GatewayRuntime {
        func path(_ file: String) -> String {
            file.hasPrefix("/") || baseDirectory.isEmpty ? file : (baseDirectory as NSString).appendingPathComponent(file)
        }
        let gatekeeper = try await Gatekeeper.load(configuration, baseDirectory: baseDirectory, limiter: previous?.gatekeeper.limiter)
        let metrics = previous?.metrics ?? GatewayMetrics()
        let auditLog: AuditLog?
        if var settings = configuration.auditLog {
            let file = settings.path
            settings.path = path(file)
            let key: SymmetricKey?
            do { key = try AuditLog.key(settings, baseDirectory: baseDirectory) } catch { throw GatewayServer.StartError.auditLog(file, error) }
            if checkOnly {
                // A file in the current folder has "" as its folder, which is the current one.
                let folder = (settings.path as NSString).deletingLastPathComponent
                let target = FileManager.default.fileExists(atPath: settings.path) ? settings.path : (folder.isEmpty ? "." : folder)
                guard FileManager.default.isWritableFile(atPath: target) else { throw GatewayServer.StartError.auditLog(file, CocoaError(.fileWriteNoPermission)) }
                auditLog = nil
            } else if let previousLog = previous?.auditLog, previousLog.settings == settings {
                auditLog = previousLog
            } else {
                do { auditLog = try AuditLog(settings: settings, key: key, metrics: metrics) } catch { throw GatewayServer.StartError.auditLog(file, error) }
            }
        } else {
            auditLog = nil
        }
        let listenerTLS = try configuration.listeners.map { listener -> NIOSSLContext? in
            guard let tls = listener.tls else { return nil }
            do {
                let chain = try NIOSSLCertificate.fromPEMFile(path(tls.certificate)).map { NIOSSLCertificateSource.certificate($0) }
                var settings = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: path(tls.key), format: .pem)))
                settings.minimumTLSVersion = .tlsv12
                if let clientCA = tls.clientCA {
                    // The handshake verifies the client's chain against this bundle only (not the system's roots).
                    settings.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path(clientCA)))
                    settings.certificateVerification = tls.requireClientCertificate ? .noHostnameVerification : .optionalVerification
                    settings.sendCANameList = true
                }
                return try NIOSSLContext(configuration: settings)
            } catch {
                throw GatewayServer.StartError.tls(tls.certificate, error)
            }
        }
        var upstreamTLS: [String: NIOSSLContext] = [:]
        for (name, upstream) in configuration.upstreams where upstream.url.scheme?.lowercased() == "https" {
            do {
                var settings = TLSConfiguration.makeClientConfiguration()
                settings.minimumTLSVersion = .tlsv12
                if let ca = upstream.caFile { settings.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path(ca))) }
                upstreamTLS[name] = try NIOSSLContext(configuration: settings)
            } catch {
                throw GatewayServer.StartError.tls(upstream.caFile ?? "upstream '\(name)'", error)
            }
        }
        var contracts: [Int: APIContract] = [:]
        for route in configuration.routes {
            guard let settings = route.openAPI else { continue }
            do {
                contracts[route.index] = try APIContract(path: path(settings.spec), displayName: settings.spec, mode: settings.monitorOnly ? .monitor : .enforce,
                                                         responses: APIContract.ResponsePolicy(rawValue: settings.responses) ?? .strip,
                                                         rejectUnknownQuery: settings.rejectUnknownQuery, basePath: settings.basePath)
            } catch {
                throw GatewayServer.StartError.contract(settings.spec, error)
            }
        }
        var graphQLGuards: [Int: GraphQLGuard] = [:]
        for route in configuration.routes {
            guard let policy = route.graphQL else { continue }
            var persisted: Data?
            if let file = policy.persistedQueriesFile {
                guard let data = FileManager.default.contents(atPath: path(file)) else { throw GatewayServer.StartError.persistedQueries(file, "cannot read the file") }
                persisted = data
            }
            do { graphQLGuards[route.index] = try GraphQLGuard(policy: policy, persistedQueries: persisted) } catch {
                throw GatewayServer.StartError.persistedQueries(policy.persistedQueriesFile ?? "", error.description)
            }
        }
        var trafficRecorder: TrafficRecorder?
        if let settings = configuration.trafficLog, !checkOnly {
            if let previousRecorder = previous?.trafficRecorder, previousRecorder.path == path(settings.path), previousRecorder.settings.sampleRate == settings.sampleRate,
               previousRecorder.settings.bodies == settings.bodies, previousRecorder.settings.maxBody == settings.maxBody {
                trafficRecorder = previousRecorder
            } else {
                do { trafficRecorder = try TrafficRecorder(settings: settings, path: path(settings.path)) } catch { throw GatewayServer.StartError.trafficLog(settings.path, error) }
            }
        }
        return GatewayRuntime(configuration: configuration, router: Router(routes: configuration.routes), pools: previous?.pools ?? UpstreamPools(),
                              gatekeeper: gatekeeper, auditLog: auditLog, metrics: metrics, listenerTLS: listenerTLS,
                              upstreamTLS: upstreamTLS, contracts: contracts, graphQLGuards: graphQLGuards, trafficRecorder: trafficRecorder,
                              alerts: configuration.detection.map { settings in
                                  previous?.alerts.flatMap { $0.detector.settings == settings ? $0 : nil } ?? AlertSink(settings: settings)
                              })
    }
}

/// The runtime new requests are served with.
final class CurrentRuntime: Sendable {
    private let box: NIOLockedValueBox<GatewayRuntime>
    /// Counts the reloads, so a connection can tell with one atomic load (no lock) whether its runtime is still current.
    private let reloads = Atomic<Int>(0)
    init(_ runtime: GatewayRuntime) { box = NIOLockedValueBox(runtime) }
    var value: GatewayRuntime {
        get { box.withLockedValue { $0 } }
        set {
            box.withLockedValue { $0 = newValue }
            reloads.add(1, ordering: .releasing)
        }
    }
    var generation: Int { reloads.load(ordering: .acquiring) }
}

/// Sent down a client connection's pipeline when the gateway is shutting down.
struct DrainEvent {}

/// The open client connections, so that shutdown can wait for them.
final class ConnectionTracker: Sendable {
    private let open = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
    private let metrics: GatewayMetrics

    init(metrics: GatewayMetrics) { self.metrics = metrics }

    var count: Int { open.withLockedValue { $0.count } }

    func opened(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        metrics.connections(open.withLockedValue { $0[id] = channel; return $0.count })
        channel.closeFuture.whenComplete { _ in self.metrics.connections(self.open.withLockedValue { $0[id] = nil; return $0.count }) }
    }

    func drain(timeout: Double) async {
        let channels = open.withLockedValue { Array($0.values) }
        // An idle connection closes at once, a busy one after its answer, which says `Connection: close`.
        for channel in channels { channel.pipeline.fireUserInboundEventTriggered(DrainEvent()) }
        let deadline = NIODeadline.now() + .milliseconds(Int64(timeout * 1000))
        while count > 0 && NIODeadline.now() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        for channel in open.withLockedValue({ Array($0.values) }) {
            try? await channel.close()
            // Its close callbacks, the one that forgets it among them, have run once this returns.
            try? await channel.closeFuture.get()
        }
    }
}
