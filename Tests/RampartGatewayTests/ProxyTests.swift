import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
@testable import RampartGateway
import RampartLab
import RampartSpec
import RampartTestSupport
import Testing

/// Event loops of the gateway tests' own, so that timing checks (timeouts, prompt closes) do not wait behind
/// other suites' servers on the shared loops of a loaded CI machine.
let gatewayTestLoops = MultiThreadedEventLoopGroup(numberOfThreads: 2)

/// A gateway on a free port of 127.0.0.1 in front of `upstream`.
private func gateway(_ upstream: URL, routes: String = "    - {path: /, upstream: api}\n", responseTimeout: Double = 20, headerTimeout: Double = 60,
                     bodyTimeout: Double = 30) async throws -> GatewayServer {
    let text = """
    gateway:
      listeners: [{address: "127.0.0.1:0"}]
      limits: {header_timeout: \(headerTimeout), body_timeout: \(bodyTimeout)}
      upstreams: {api: {url: "\(upstream.absoluteString)", response_timeout: \(responseTimeout)}}
      routes:
    \(routes)
    """
    return try await GatewayServer.start(GatewayConfiguration.parse(SpecDocument(text: text, file: "gateway.yml").root), group: gatewayTestLoops)
}

private func url(_ server: GatewayServer, _ path: String) -> String {
    "http://127.0.0.1:\(server.addresses[0].port!)\(path)"
}

private func fetch(_ target: String, method: HTTPMethod = .GET, body: String? = nil) async throws -> (status: UInt, headers: HTTPHeaders, body: String) {
    var request = HTTPClientRequest(url: target)
    request.method = method
    if let body { request.body = .bytes(ByteBuffer(string: body)); request.headers.add(name: "Content-Type", value: "application/json") }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    let bytes = try await response.body.collect(upTo: 1 << 24)
    return (response.status.code, response.headers, String(buffer: bytes))
}

@Test func requestsArePassedOnNormalizedWithForwardingHeaders() async throws {
    let upstream = try await TestServer.start { head in
        Canned(headers: [("X-Seen-URI", head.uri), ("X-Seen-For", head.headers.first(name: "x-forwarded-for") ?? "-"),
                         ("X-Seen-Forwarded", head.headers.first(name: "forwarded") ?? "-"), ("X-Seen-Connection", head.headers.first(name: "x-secret-hop") ?? "-"),
                         ("Server", "Upstream/1.0"), ("X-Powered-By", "PHP/8.3")], body: #"{"ok":true}"#)
    }
    let server = try await gateway(upstream.httpURL)
    var request = HTTPClientRequest(url: url(server, "/%61pi/./v1//users;jsessionid=x/42?page=2"))
    request.headers.add(name: "Connection", value: "keep-alive, X-Secret-Hop")
    request.headers.add(name: "X-Secret-Hop", value: "must not pass")
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    #expect(response.status == .ok)
    #expect(response.headers.first(name: "x-seen-uri") == "/api/v1/users/42?page=2", "the upstream sees the path the gateway routed")
    #expect(response.headers.first(name: "x-seen-for") == "127.0.0.1")
    #expect(response.headers.first(name: "x-seen-forwarded")?.hasPrefix("for=127.0.0.1;proto=http;host=") == true)
    #expect(response.headers.first(name: "x-seen-connection") == "-", "headers named in Connection are hop-by-hop")
    #expect(response.headers.first(name: "server") == nil && response.headers.first(name: "x-powered-by") == nil)
    #expect(response.headers.first(name: "x-content-type-options") == "nosniff")
    #expect(response.headers.first(name: "x-correlation-id")?.isEmpty == false)
    await server.stop()
    await upstream.stop()
}

@Test func bodiesStreamBothWaysAndConnectionsAreReused() async throws {
    let lab = try await Lab().start()
    let server = try await gateway(lab.url)
    // 2 MB of JSON through the gateway: the lab parses it, so it arrived whole and in order.
    let padding = String(repeating: "x", count: 2 << 20)
    let login = try await fetch(url(server, "/api/v2/auth/login"), method: .POST, body: #"{"email":"nobody@bank.lab","password":"\#(padding)"}"#)
    #expect(login.status == 404 && login.body.contains("no user with that email"))
    for _ in 0..<20 {
        let product = try await fetch(url(server, "/api/v2/products/1"))
        #expect(product.status == 200 && product.body.contains("Travel card"))
    }
    await server.stop()
    await lab.stop()
}

@Test func upstreamFailuresAreGenericWithACorrelationID() async throws {
    let dead = try await gateway(URL(string: "http://127.0.0.1:9")!)
    let down = try await fetch(url(dead, "/x"))
    #expect(down.status == 502)
    #expect(down.body.hasPrefix(#"{"error":"bad gateway","correlation_id":""#))
    await dead.stop()
    let slow = try await TestServer.start { _ in Canned(delay: .seconds(3)) }
    let impatient = try await gateway(slow.httpURL, responseTimeout: 0.3)
    let late = try await fetch(url(impatient, "/x"))
    #expect(late.status == 504 && late.body.contains("upstream timed out"))
    await impatient.stop()
    await slow.stop()
}

@Test func unroutableRequestsAnswer404And405() async throws {
    let upstream = try await TestServer.start()
    let server = try await gateway(upstream.httpURL, routes: "    - {path: /reports, upstream: api, methods: [GET]}\n")
    #expect(try await fetch(url(server, "/elsewhere")).status == 404)
    let wrongMethod = try await fetch(url(server, "/REPORTS/2026"), method: .DELETE)
    #expect(wrongMethod.status == 405 && wrongMethod.headers.first(name: "allow") == "GET")
    #expect(try await fetch(url(server, "/reports/..%2f..%2fadmin")).status == 400)
    await server.stop()
    await upstream.stop()
}

/// Sends raw bytes and returns everything the gateway answers before it closes (at most 20 s).
func raw(_ port: Int, _ request: String) async throws -> String {
    try await rawExchange(port, request).answer
}

/// `raw`, and how long after the request was written the connection closed, timed on the event loop: the
/// connect, the write and the timing never wait for the test's own task, which a loaded CI machine's
/// two-thread concurrency pool can hold back for seconds.
func rawExchange(_ port: Int, _ request: String) async throws -> (answer: String, closedAfter: TimeAmount) {
    final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var text = ""
        var written = NIODeadline.now()
        let done: EventLoopPromise<(String, TimeAmount)>
        init(done: EventLoopPromise<(String, TimeAmount)>) { self.done = done }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { text += String(buffer: unwrapInboundIn(data)) }
        func channelInactive(context: ChannelHandlerContext) { done.succeed((text, NIODeadline.now() - written)) }
    }
    let loop = gatewayTestLoops.next()
    let done = loop.makePromise(of: (String, TimeAmount).self)
    let collector = Collector(done: done)
    _ = try await ClientBootstrap(group: loop)
        .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) } }
        .connect(host: "127.0.0.1", port: port)
        .map { channel in
            collector.written = .now()
            // The gateway may refuse and close before the write completes; what it answered is what counts.
            channel.writeAndFlush(ByteBuffer(string: request), promise: nil)
            // A bound, generous for a loaded CI machine: the gateway answers these in milliseconds.
            loop.scheduleTask(in: .seconds(20)) { channel.close(promise: nil) }
        }.get()
    let (answer, closedAfter) = try await done.futureResult.get()
    return (answer, closedAfter)
}

@Test(arguments: [
    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
    "GET / HTTP/1.1\r\nHost: a\r\nX-Folded: a\r\n b\r\n\r\n",
    "GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET / HTTP/1.1\r\n\r\n",
])
func ambiguousRequestsAreRefusedAndTheConnectionClosed(_ request: String) async throws {
    let upstream = try await TestServer.start()
    // A header timeout far above the helper's 20 s bound: a connection left open shows as 20 s, one closed at once
    // well under 15 s even when a loaded 2-core CI machine stalls this process for seconds.
    let server = try await gateway(upstream.httpURL, headerTimeout: 60)
    let (answer, closedAfter) = try await rawExchange(server.addresses[0].port!, request)
    #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer.prefix(80))")
    #expect(closedAfter < .seconds(15), "the connection is closed at once, not left open")
    await server.stop()
    await upstream.stop()
}

@Test func aSlowHeaderClientIsCutOff() async throws {
    let upstream = try await TestServer.start()
    let server = try await gateway(upstream.httpURL, headerTimeout: 1)
    // Half a head and then nothing, as a slowloris client does.
    let (answer, closedAfter) = try await rawExchange(server.addresses[0].port!, "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: 1")
    #expect(answer.isEmpty, "closed without an answer: \(answer.prefix(60))")
    #expect(closedAfter < .seconds(15), "closed after the header timeout, not the helper's 20 s")
    await server.stop()
    await upstream.stop()
}

@Test func theGatewayOwnsCORS() async throws {
    // An upstream that reflects any origin with credentials, the classic mistake.
    let upstream = try await TestServer.start { head in
        Canned(headers: [("Access-Control-Allow-Origin", head.headers.first(name: "origin") ?? "*"), ("Access-Control-Allow-Credentials", "true")])
    }
    let server = try await gateway(upstream.httpURL, routes: """
        - {path: /app, upstream: api, cors: {origins: ["https://app.example"], credentials: true, methods: [GET, POST]}}
        - {path: /, upstream: api}

    """)
    func request(_ path: String, method: HTTPMethod = .GET, origin: String, preflight: Bool = false) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url(server, path))
        request.method = method
        request.headers.add(name: "Origin", value: origin)
        if preflight { request.headers.add(name: "Access-Control-Request-Method", value: "POST") }
        return try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    }
    let allowed = try await request("/app", method: .OPTIONS, origin: "https://app.example", preflight: true)
    #expect(allowed.status == .noContent)
    #expect(allowed.headers.first(name: "access-control-allow-origin") == "https://app.example")
    #expect(allowed.headers.first(name: "access-control-allow-credentials") == "true")
    let refused = try await request("/app", method: .OPTIONS, origin: "https://evil.example", preflight: true)
    #expect(refused.status == .forbidden && refused.headers.first(name: "access-control-allow-origin") == nil)
    let evil = try await request("/app", origin: "https://evil.example")
    #expect(evil.status == .ok && evil.headers.first(name: "access-control-allow-origin") == nil, "the upstream's reflection is not passed on")
    let friend = try await request("/app", origin: "https://app.example")
    #expect(friend.headers.first(name: "access-control-allow-origin") == "https://app.example")
    let noPolicy = try await request("/other", origin: "null")
    #expect(noPolicy.headers.first(name: "access-control-allow-origin") == nil && noPolicy.headers.first(name: "access-control-allow-credentials") == nil)
    await server.stop()
    await upstream.stop()
}

@Test func theAdminListenerServesHealthAndMetrics() async throws {
    let upstream = try await TestServer.start()
    let text = """
    gateway:
      listeners: [{address: "127.0.0.1:0"}]
      admin: "127.0.0.1:0"
      upstreams: {api: {url: "\(upstream.httpURL.absoluteString)"}}
      routes: [{path: /, upstream: api}]
    """
    let server = try await GatewayServer.start(GatewayConfiguration.parse(SpecDocument(text: text, file: "gateway.yml").root), group: gatewayTestLoops)
    #expect(try await fetch(url(server, "/hello")).status == 200)
    #expect(try await fetch(url(server, "/a%2fb")).status == 400)
    let admin = "http://127.0.0.1:\(server.addresses[1].port!)"
    #expect(try await fetch(admin + "/healthz").body == "ok\n")
    let metrics = try await fetch(admin + "/metrics").body
    #expect(metrics.contains(#"rampart_gateway_requests_total{decision="allow",status="2xx"} 1"#), "\(metrics)")
    #expect(metrics.contains(#"rampart_gateway_requests_total{decision="reject",status="4xx"} 1"#))
    #expect(metrics.contains("rampart_gateway_request_duration_seconds_count 2"))
    await server.stop()
    await upstream.stop()
}

/// A client that reads a large answer slowly makes the gateway stop reading its upstream; that pause
/// belongs to the exchange and must not follow the upstream connection back into the pool, where the
/// next request on it would wait forever.
@Test func aSlowReaderLeavesNoPausedConnectionInThePool() async throws {
    let big = String(repeating: "b", count: 4 << 20)
    let upstream = try await TestServer.start(keepAlive: true) { head in Canned(body: head.uri == "/big" ? big : "small") }
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)   // one loop, so one pool for every connection
    let text = """
    gateway:
      listeners: [{address: "127.0.0.1:0"}]
      upstreams: {api: {url: "\(upstream.httpURL.absoluteString)", max_idle_connections: 1}}
      routes: [{path: /, upstream: api}]
    """
    let server = try await GatewayServer.start(GatewayConfiguration.parse(SpecDocument(text: text, file: "gateway.yml").root), group: group)
    let port = server.addresses[0].port!
    let whole = try await fetch(url(server, "/big"))
    #expect(whole.status == 200 && whole.body == big, "a large answer passes whole")

    /// Counts the answer's body bytes (what follows the blank line after the head).
    final class SlowReader: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var head = ""
        var received = 0
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            guard head.hasSuffix("\r\n\r\n") else {
                let text = String(buffer: buffer)
                guard let end = text.range(of: "\r\n\r\n") else { head += text; return }
                head += text[..<end.upperBound]
                received += text.utf8.count - text[..<end.upperBound].utf8.count
                return
            }
            received += buffer.readableBytes
        }
    }
    let reader = SlowReader()
    let slow = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .channelOption(.autoRead, value: false)
        .channelOption(.socketOption(.so_rcvbuf), value: 8192)
        .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(reader) } }
        .connect(host: "127.0.0.1", port: port).get()
    try await slow.writeAndFlush(ByteBuffer(string: "GET /big HTTP/1.1\r\nHost: a\r\n\r\n"))
    // Drain the answer in small sips, so the gateway's client side keeps filling up and stopping.
    // Nominally a few seconds; the bound leaves room for a suite that keeps both cores busy.
    let deadline = ContinuousClock.now + .seconds(90)
    while try await slow.eventLoop.submit({ reader.received }).get() < big.utf8.count, ContinuousClock.now < deadline {
        slow.read()
        try await Task.sleep(for: .milliseconds(2))
    }
    let received = try await slow.eventLoop.submit({ reader.received }).get()
    #expect(received == big.utf8.count, "\(received) bytes of the body")
    // (A loaded machine may see the gateway close it first; either way it is gone.)
    try? await slow.close()
    // The pooled upstream connection now serves other clients at once.
    for _ in 0..<3 {
        let answer = try await fetch(url(server, "/small"))
        #expect(answer.status == 200 && answer.body == "small")
    }
    await server.stop()
    await upstream.stop()
    try await group.shutdownGracefully()
}

@Test func pipelinedRequestsAreAnsweredInOrder() async throws {
    let upstream = try await TestServer.start { head in Canned(body: "answer to \(head.uri)", delay: head.uri == "/first" ? .milliseconds(300) : .zero) }
    let server = try await gateway(upstream.httpURL)
    // Three requests in one write; the first is slow upstream, so the others arrive while it is in flight.
    let answer = try await raw(server.addresses[0].port!, "GET /first HTTP/1.1\r\nHost: a\r\n\r\nGET /nowhere%00 HTTP/1.1\r\nHost: a\r\n\r\n"
                                   + "GET /third HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    let first = answer.range(of: "answer to /first"), refused = answer.range(of: "HTTP/1.1 400"), third = answer.range(of: "answer to /third")
    #expect(first != nil && third == nil, "the refused second request closes the connection: \(answer)")
    #expect(refused.map { first!.upperBound <= $0.lowerBound } == true, "answers come back in request order: \(answer)")
    let ordered = try await raw(server.addresses[0].port!, "GET /first HTTP/1.1\r\nHost: a\r\n\r\nGET /second HTTP/1.1\r\nHost: a\r\n\r\n"
                                    + "GET /third HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    let positions = ["/first", "/second", "/third"].compactMap { ordered.range(of: "answer to \($0)")?.lowerBound }
    #expect(positions.count == 3 && positions == positions.sorted(), "\(ordered)")
    await server.stop()
    await upstream.stop()
}

@Test func clientAllowAndDenyListsAreEnforced() async throws {
    let upstream = try await TestServer.start()
    let server = try await gateway(upstream.httpURL, routes: """
        - {path: /internal, upstream: api, clients: {allow: [10.0.0.0/8, "::1"]}}
        - {path: /blocked, upstream: api, clients: {deny: [127.0.0.0/8]}}
        - {path: /, upstream: api, clients: {allow: [127.0.0.1/32]}}

    """)
    #expect(try await fetch(url(server, "/internal/jobs")).status == 403, "127.0.0.1 is not in 10.0.0.0/8 or ::1")
    #expect(try await fetch(url(server, "/blocked")).status == 403)
    #expect(try await fetch(url(server, "/public")).status == 200)
    await server.stop()
    let text = """
    gateway:
      listeners: [{address: "127.0.0.1:0"}]
      clients: {deny: ["127.0.0.1"]}
      upstreams: {api: {url: "\(upstream.httpURL.absoluteString)"}}
      routes: [{path: /, upstream: api}]
    """
    let everywhere = try await GatewayServer.start(GatewayConfiguration.parse(SpecDocument(text: text, file: "gateway.yml").root), group: gatewayTestLoops)
    #expect(try await fetch(url(everywhere, "/public")).status == 403, "a gateway-wide deny list applies before routing")
    await everywhere.stop()
    await upstream.stop()
}

@Test func addressRangesMatchByPrefix() throws {
    let v4 = try #require(AddressRange("192.168.0.0/16")), v6 = try #require(AddressRange("2001:db8::/32")), one = try #require(AddressRange("10.1.2.3"))
    #expect(v4.contains([192, 168, 7, 9]) && !v4.contains([192, 169, 0, 1]))
    let inside = try #require(AddressRange.bytes("2001:db8:ffff::1")), outside = try #require(AddressRange.bytes("2001:db9::1"))
    #expect(v6.contains(inside) && !v6.contains(outside))
    #expect(one.contains([10, 1, 2, 3]) && !one.contains([10, 1, 2, 4]))
    let loopback6 = try #require(AddressRange.bytes("::1"))
    #expect(!v4.contains(loopback6), "an IPv6 address is never in an IPv4 range")
    for bad in ["10.0.0.0/33", "10.0.0", "example.com", "::1/129", "10.0.0.0/x"] { #expect(AddressRange(bad) == nil, "\(bad)") }
}

/// A client connection that sends what it is told and keeps what comes back, for exchanges in several steps.
private final class Conversation: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private let text = NIOLockedValueBox("")
    private var channel: Channel?

    static func open(_ port: Int) async throws -> Conversation {
        let conversation = Conversation()
        conversation.channel = try await ClientBootstrap(group: gatewayTestLoops.next())
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(conversation) } }
            .connect(host: "127.0.0.1", port: port).get()
        return conversation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let piece = String(buffer: unwrapInboundIn(data))
        text.withLockedValue { $0 += piece }
    }

    func send(_ text: String) async throws { try await channel!.writeAndFlush(ByteBuffer(string: text)) }

    /// Everything received so far, once it contains `marker` (or after 5 s).
    func received(containing marker: String) async throws -> String {
        for _ in 0..<250 {
            let sofar = text.withLockedValue { $0 }
            if sofar.contains(marker) { return sofar }
            try await Task.sleep(for: .milliseconds(20))
        }
        return text.withLockedValue { $0 }
    }

    func close() async { try? await channel?.close() }
}

@Test func expectContinueIsAnsweredByTheGatewayOnceTheRequestPasses() async throws {
    let upstream = try await TestServer.start { head in Canned(body: #"{"expect":"\#(head.headers.first(name: "expect") ?? "none")"}"#) }
    let server = try await gateway(upstream.httpURL, routes: "    - {path: /api, upstream: api}\n")
    let port = server.addresses[0].port!
    let client = try await Conversation.open(port)
    try await client.send("POST /api/items HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
    let interim = try await client.received(containing: "\r\n\r\n")
    #expect(interim.hasPrefix("HTTP/1.1 100 Continue\r\n"), "the go-ahead comes before the body is sent: \(interim.prefix(40))")
    try await client.send("hello")
    let answer = try await client.received(containing: "}")
    #expect(answer.contains("HTTP/1.1 200 OK") && answer.contains(#"{"expect":"none"}"#), "the upstream is not asked again")
    await client.close()

    // Refused before the go-ahead: a final answer, no 100, and the connection closes (its body will never come).
    let refused = try await Conversation.open(port)
    try await refused.send("POST /other HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
    let notFound = try await refused.received(containing: "}")
    #expect(notFound.hasPrefix("HTTP/1.1 404") && notFound.lowercased().contains("connection: close"))
    await refused.close()
    #expect(try await raw(port, "POST /api/items HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nExpect: a-pony\r\n\r\nx").hasPrefix("HTTP/1.1 417"))
    await server.stop()
    await upstream.stop()
}

/// The response timeout is the upstream's: it counts from when the upstream has the whole request, so a client
/// that takes longer than it to send its body (but keeps within the body timeout) still gets its answer.
@Test func aSlowUploadIsNotTheUpstreamsTimeout() async throws {
    let upstream = try await TestServer.start { head in Canned(body: #"{"got":"\#(head.uri)"}"#) }
    // The body timeout is generous: on a loaded CI machine the 1.5 s pause below can last several seconds.
    let server = try await gateway(upstream.httpURL, responseTimeout: 1, bodyTimeout: 30)
    let client = try await Conversation.open(server.addresses[0].port!)
    try await client.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nabc")
    try await Task.sleep(for: .milliseconds(1500))
    try await client.send("def")
    let answer = try await client.received(containing: "}")
    #expect(answer.hasPrefix("HTTP/1.1 200 OK") && answer.contains(#"{"got":"/upload"}"#), "\(answer.prefix(60))")
    await client.close()
    await server.stop()
    await upstream.stop()
}

/// A body that stops arriving (a byte now and then, or nothing) is refused once the body timeout passes, even while
/// the upstream is waiting for it; the half-sent upstream connection is not reused.
@Test func aStalledRequestBodyIsCutOff() async throws {
    let upstream = try await TestServer.start(keepAlive: true)
    let server = try await gateway(upstream.httpURL, responseTimeout: 30, bodyTimeout: 1)
    let port = server.addresses[0].port!
    // Timed on the event loop: a loaded machine can hold the test's own task back for many seconds.
    let (answer, closedAfter) = try await rawExchange(port, "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc")
    #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer.prefix(40))")
    #expect(closedAfter < .seconds(10), "the body timeout, not the 30 s response timeout")
    #expect(try await fetch(url(server, "/after")).status == 200, "the next request gets a sound upstream connection")
    await server.stop()
    await upstream.stop()
}

/// An upstream that shows which of the headers a test cares about reached it.
private func headerEcho() async throws -> TestServer {
    try await TestServer.start(keepAlive: true) { head in
        Canned(headers: [("X-Seen-Host", head.headers.first(name: "host") ?? "-"), ("X-Seen-Underscore", head.headers.first(name: "transfer_encoding") ?? "-"),
                         ("X-Seen-Authorizations", String(head.headers[canonicalForm: "authorization"].count))])
    }
}

@Test func aSecondAuthorizationHeaderIsRefused() async throws {
    let upstream = try await headerEcho()
    let server = try await gateway(upstream.httpURL)
    let answer = try await raw(server.addresses[0].port!, "GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer verified\r\nAuthorization: Bearer eyJhbGciOiJub25lIn0.e30.\r\nConnection: close\r\n\r\n")
    #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer)")
    let one = try await raw(server.addresses[0].port!, "GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer verified\r\nConnection: close\r\n\r\n")
    #expect(one.hasPrefix("HTTP/1.1 200") && one.contains("X-Seen-Authorizations: 1"), "\(one)")
    await server.stop()
    await upstream.stop()
}

@Test func connectionCannotRemoveHeadersTheRequestNeeds() async throws {
    let upstream = try await headerEcho()
    let server = try await gateway(upstream.httpURL)
    let answer = try await raw(server.addresses[0].port!, "GET / HTTP/1.1\r\nHost: api.example\r\nConnection: close, Host, Content-Length\r\n\r\n")
    #expect(answer.hasPrefix("HTTP/1.1 200") && answer.contains("X-Seen-Host: api.example"), "\(answer)")
    await server.stop()
    await upstream.stop()
}

@Test(arguments: ["/admin.", "/admin%2e", "/admin..", "/admin%20", "/admin%2E/", "/admin./users", "/admin%09"])
func pathsEndingInADotOrASpaceAreRefused(_ path: String) async throws {
    let upstream = try await headerEcho()
    let server = try await gateway(upstream.httpURL)
    let answer = try await raw(server.addresses[0].port!, "GET \(path) HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    #expect(answer.hasPrefix("HTTP/1.1 400"), "\(path): \(answer)")
    let fine = try await raw(server.addresses[0].port!, "GET /v1.2/report.json HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    #expect(fine.hasPrefix("HTTP/1.1 200"), "dots inside a segment are fine: \(fine)")
    await server.stop()
    await upstream.stop()
}

@Test func headerNamesWithUnderscoresAreDroppedOrRefused() async throws {
    let upstream = try await headerEcho()
    let server = try await gateway(upstream.httpURL)
    let request = "GET / HTTP/1.1\r\nHost: a\r\nTransfer_Encoding: chunked\r\nConnection: close\r\n\r\n"
    let dropped = try await raw(server.addresses[0].port!, request)
    #expect(dropped.hasPrefix("HTTP/1.1 200") && dropped.contains("X-Seen-Underscore: -"), "dropped by default: \(dropped)")
    await server.stop()
    let text = """
    gateway:
      listeners: [{address: "127.0.0.1:0"}]
      limits: {underscore_headers: refuse}
      upstreams: {api: {url: "\(upstream.httpURL.absoluteString)"}}
      routes: [{path: /, upstream: api}]
    """
    let refusing = try await GatewayServer.start(GatewayConfiguration.parse(SpecDocument(text: text, file: "gateway.yml").root), group: gatewayTestLoops)
    let refused = try await raw(refusing.addresses[0].port!, request)
    #expect(refused.hasPrefix("HTTP/1.1 400"), "\(refused)")
    await refusing.stop()
    await upstream.stop()
}

/// A body trickled a byte at a time, each byte inside the body timeout: the rate floor ends it (408), where the
/// per-piece timeout alone let it hold its upstream connection for as long as the client liked.
@Test func aBodyTrickledBelowTheRateFloorIsCutOff() async throws {
    let upstream = try await headerEcho()
    let text = """
    gateway:
      listeners: [{address: "127.0.0.1:0"}]
      limits: {body_timeout: 2, min_body_rate: 100}
      upstreams: {api: {url: "\(upstream.httpURL.absoluteString)"}}
      routes: [{path: /, upstream: api}]
    """
    let server = try await GatewayServer.start(GatewayConfiguration.parse(SpecDocument(text: text, file: "gateway.yml").root), group: gatewayTestLoops)
    let client = try BlockingClient(port: server.addresses[0].port!)
    client.write("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 10000\r\n\r\n")
    // One byte every 0.5 s: well inside the 2 s between pieces, far below 100 bytes a second. On a thread of its own:
    // a loaded machine can hold the test's task back for seconds between sleeps, which the gateway does not see.
    let (open, elapsed): (Bool, TimeInterval) = await withCheckedContinuation { continuation in
        Thread.detachNewThread {
            let started = Date()
            var open = true
            while open && Date().timeIntervalSince(started) < 12 {
                Thread.sleep(forTimeInterval: 0.5)
                open = client.write("x")
            }
            continuation.resume(returning: (open, Date().timeIntervalSince(started)))
        }
    }
    let answer = try client.exchange("")
    #expect(answer.hasPrefix("HTTP/1.1 408") || !open, "\(answer)")
    #expect(elapsed < 10, "cut off after about 2 s plus what the bytes bought")
    await server.stop()
    await upstream.stop()
}
