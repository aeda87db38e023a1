import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import RampartGateway
import RampartSpec
import RampartTestSupport
import Testing

/// One client keep-alive connection, used request after request, so a test can tell whether the
/// gateway kept it open.
private final class KeepAliveConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart
    struct Response { var status: UInt; var headers: HTTPHeaders; var body: String }

    private var channel: (any Channel)!
    private var pending: EventLoopPromise<Response>?
    private var response: Response?
    let closed: EventLoopPromise<Void>

    private init(closed: EventLoopPromise<Void>) { self.closed = closed }

    static func open(_ port: Int) async throws -> KeepAliveConnection {
        let loop = gatewayTestLoops.next()
        let connection = KeepAliveConnection(closed: loop.makePromise())
        do {
            connection.channel = try await ClientBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(connection)
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()
        } catch {
            connection.closed.fail(error)
            throw error
        }
        return connection
    }

    func send(_ path: String) async throws -> Response {
        try await write(path).get()
    }

    /// Writes a request and returns once it is on its way, with the answer still to come, so a test
    /// knows the request left before it goes on.
    func write(_ path: String) async throws -> EventLoopFuture<Response> {
        try await channel.eventLoop.submit {
            let promise = self.channel.eventLoop.makePromise(of: Response.self)
            // A connection the gateway already closed gets no answer: say so instead of waiting for ever.
            guard self.channel.isActive else {
                promise.fail(ChannelError.ioOnClosedChannel)
                return promise.futureResult
            }
            self.pending = promise
            self.channel.write(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: ["Host": "gateway.test"])), promise: nil)
            self.channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            return promise.futureResult
        }.get()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): response = Response(status: head.status.code, headers: head.headers, body: "")
        case .body(let buffer): response?.body += String(buffer: buffer)
        case .end:
            if let response { pending?.succeed(response) }
            pending = nil
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        pending?.fail(ChannelError.eof)
        closed.succeed()
    }

    /// Whether the gateway closed the connection within `seconds`.
    func closes(within seconds: Int64) async -> Bool {
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(seconds)) { self.closed.fail(ChannelError.connectTimeout(.seconds(seconds))) }
        defer { timeout.cancel() }
        return (try? await closed.futureResult.get()) != nil
    }

    func close() async { try? await channel.close() }
}

private func configuration(_ routes: String, listener: String = "127.0.0.1:0") throws -> GatewayConfiguration {
    let text = """
    gateway:
      listeners: [{address: "\(listener)"}]
      limits: {header_timeout: 60}
      upstreams:
    \(routes)
    """
    return try GatewayConfiguration.parse(SpecDocument(text: text, file: "gateway.yml").root)
}

@Test func aReloadAppliesToTheNextRequestOnTheSameConnection() async throws {
    let one = try await TestServer.start { _ in Canned(body: "one") }
    let two = try await TestServer.start { _ in Canned(body: "two") }
    func routes(_ upstream: TestServer, extra: String = "") -> String {
        "    api: {url: \"\(upstream.httpURL.absoluteString)\"}\n  routes:\n    - {path: /, upstream: api}\n\(extra)"
    }
    let server = try await GatewayServer.start(configuration(routes(one)), group: gatewayTestLoops)
    let connection = try await KeepAliveConnection.open(server.addresses[0].port!)

    let first = try await connection.send("/a")
    #expect(first.body == "one", "\(first)")

    try await server.reload(configuration(routes(two)))
    #expect(try await connection.send("/a").body == "two", "same connection, new configuration")

    // A configuration whose keys cannot be loaded is refused, and the running one stays.
    let broken = routes(two).replacingOccurrences(of: "routes:", with: "authenticators: {idp: {jwt: {issuer: x, jwks_file: /nonexistent.json, algorithms: [RS256]}}}\n  routes:")
    await #expect { try await server.reload(configuration(broken)) } throws: { String(describing: $0).contains("/nonexistent.json: cannot read") }
    await #expect(throws: GatewayServer.StartError.self, "listeners cannot move on reload") {
        try await server.reload(configuration(routes(two), listener: "127.0.0.1:1"))
    }
    let after = try await connection.send("/a")
    #expect(after.status == 200 && after.body == "two")
    await connection.close()
    await server.stop()
    await one.stop()
    await two.stop()
}

@Test func stoppingDrainsRequestsInFlightAndClosesIdleConnections() async throws {
    let slowArrived = NIOLockedValueBox(false)
    let upstream = try await TestServer.start { head in
        if head.uri == "/slow" { slowArrived.withLockedValue { $0 = true } }
        // Long enough that a loaded CI machine starts the stop before the answer is on its way.
        return Canned(body: "done", delay: head.uri == "/slow" ? .seconds(4) : .zero)
    }
    let server = try await GatewayServer.start(configuration("    api: {url: \"\(upstream.httpURL.absoluteString)\"}\n  routes:\n    - {path: /, upstream: api}\n"), group: gatewayTestLoops)
    let port = server.addresses[0].port!
    let idle = try await KeepAliveConnection.open(port)
    #expect(try await idle.send("/fast").status == 200)
    let busy = try await KeepAliveConnection.open(port)
    let inFlight = try await busy.write("/slow")
    // The drain must find the request in flight: wait until the upstream has it (a loaded CI machine
    // may take seconds to get it there).
    for _ in 0..<3_000 where !slowArrived.withLockedValue({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
    try #require(slowArrived.withLockedValue { $0 }, "the slow request reached the upstream within 30 s")

    let started = ContinuousClock.now
    let stopped = Task { await server.stop(drainTimeout: 30) }
    #expect(await idle.closes(within: 2), "an idle keep-alive connection is closed at once")
    let answer = try await inFlight.get()
    #expect(answer.status == 200 && answer.body == "done", "the request in flight is answered in full")
    #expect(answer.headers.first(name: "connection") == "close", "and told it is the connection's last")
    #expect(await busy.closes(within: 2))
    await stopped.value
    #expect(ContinuousClock.now - started < .seconds(20), "stop returns once the last request is done, not at the 30 s drain timeout")
    await #expect(throws: (any Error).self, "no new connections while stopping") { _ = try await KeepAliveConnection.open(port) }
    await upstream.stop()
}

@Test func theDrainTimeoutBoundsAStuckRequest() async throws {
    let upstream = try await TestServer.start { _ in Canned(delay: .seconds(20)) }
    let server = try await GatewayServer.start(configuration("    api: {url: \"\(upstream.httpURL.absoluteString)\"}\n  routes:\n    - {path: /, upstream: api}\n"), group: gatewayTestLoops)
    let busy = try await KeepAliveConnection.open(server.addresses[0].port!)
    let inFlight = Task { try await busy.send("/stuck") }
    try await Task.sleep(for: .milliseconds(200))
    let started = ContinuousClock.now
    await server.stop(drainTimeout: 0.5)
    // Well short of the upstream's 20 s, with room for a loaded CI machine that resumes this task late.
    #expect(ContinuousClock.now - started < .seconds(10))
    await #expect(throws: (any Error).self) { _ = try await inFlight.value }
    #expect(server.openConnections == 0)
    await upstream.stop()
}
