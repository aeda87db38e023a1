import Foundation
import NIOCore
import NIOConcurrencyHelpers
import NIOHTTP1
import NIOSSL
import NIOTLS
import RampartDiscover

/// One client connection: checks and routes each request, passes it to an upstream connection from the
/// loop's pool, and streams the answer back. Request bodies are passed on as they arrive, with reads held
/// back while the upstream cannot take them; nothing is buffered whole.
final class ClientConnectionHandler: ChannelInboundHandler, UpstreamResponseSink {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        /// A token is being verified; the body parts received meanwhile.
        case authenticating([HTTPClientRequestPart])
        /// The JSON body is being read whole, to be checked against the route's API description before it goes on.
        case validating(head: HTTPClientRequestPart, body: ByteBuffer, upstream: GatewayConfiguration.Upstream)
        /// Waiting for an upstream connection; the parts received meanwhile.
        case connecting([HTTPClientRequestPart])
        case forwarding(UpstreamConnection)
        /// The request was answered by the gateway itself; the rest of its body is dropped.
        case answered
    }

    private let current: CurrentRuntime
    /// The configuration the current request is served with (a reload applies from the next request).
    private var runtime: GatewayRuntime
    private let readGate: ReadGate
    private let tls: Bool
    private var context: ChannelHandlerContext?
    private var state = State.idle
    private var exchange: (route: GatewayConfiguration.Route, upstream: GatewayConfiguration.Upstream, correlation: String, keepAlive: Bool,
                           responseHeaders: [(String, String)], origin: String?, authenticated: Bool, version: HTTPVersion)?
    /// The upstream connections of this connection's event loop (the same pool across reloads).
    private var pool: UpstreamPool?
    private var requestComplete = false
    private var responseStarted = false
    private var responseStatus = 0
    /// The request being handled, for the audit log.
    private var record: (started: NIODeadline, method: String, path: String, client: String, identity: String?, route: String?)?
    private var bytesOut = 0
    /// True while this handler is inside `channelRead`: the read-complete flush will follow.
    private var reading = false
    /// The documented operation the current request is, when its route enforces an API description.
    private var contract: (APIContract, APIContract.Operation)?
    /// What the API description check noticed but let through (monitor mode, flagged properties), for the audit line.
    private var contractNote: String?
    /// An answer held back until it is complete: to strip undeclared properties, or replace a 5xx that leaks internals.
    private var heldResponse: (head: HTTPResponseHead, body: ByteBuffer, schema: SchemaValidator?)?
    /// Held answers larger than this are passed on unchanged (and unchecked).
    static let maximumHeldResponse = 1 << 20
    /// The current request is sampled into the traffic log: what it needs, gathered as the exchange goes.
    private var traffic: (head: HTTPRequestHead, requestBody: [UInt8]?, responseHeaders: HTTPHeaders?, responseBody: [UInt8]?)?
    /// What the anomaly detectors learn about the current request beyond the audit record.
    private var detection: (operation: String?, objectIDs: [String], username: String?, isLogin: Bool, pageSize: Int?) = (nil, [], nil, false, nil)
    /// The current request has a body (a length above zero, or chunks).
    private var requestHasBody = false
    /// The client sent `Expect: 100-continue` and waits for a go-ahead before sending its body.
    private var expectsContinue = false
    /// Sampling without a random source: the share accumulates per request, and a request is recorded each time it reaches one.
    private var trafficShare = 0.0
    /// Parts of requests the client sent while an earlier one was still being answered (HTTP/1.1 pipelining).
    private var pipelined: [HTTPServerRequestPart] = []

    /// The gateway is shutting down: the current answer is the connection's last.
    private var draining = false
    /// TLS errors after the handshake (a client closing without close_notify) are not refusals worth logging.
    private var handshakeCompleted = false
    /// The verified client certificate's identity, read once per connection.
    private var clientCertificate: ClientCertificate??

    /// The client's address as text, read once per connection.
    private var clientAddress = "-"
    private var clientAddressBytes: [UInt8] = []
    /// Correlation ids: a random prefix per connection and a counter, so no request waits on the system's random source.
    private let correlationPrefix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    private var requestCount: UInt32 = 0

    init(current: CurrentRuntime, readGate: ReadGate, tls: Bool) {
        self.current = current
        runtime = current.value
        self.readGate = readGate
        self.tls = tls
    }

    /// When the connection is closed unless a complete request head arrives (slow headers, idle keep-alive).
    private var headDeadline: NIODeadline?
    /// When the upstream must have started its answer (504 otherwise).
    private var responseDeadline: NIODeadline?
    /// When the next piece of the request body must have arrived (408 otherwise): a body sent a byte at a time
    /// ("R.U.D.Y.") cannot hold a connection and an upstream connection for ever.
    private var bodyDeadline: NIODeadline?
    /// One timer per connection checks every deadline, so a request costs no timer of its own.
    private var watchdog: Scheduled<Void>?
    private var watchdogAt: NIODeadline?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func channelActive(context: ChannelHandlerContext) {
        clientAddress = context.channel.remoteAddress?.ipAddress ?? "-"
        clientAddressBytes = AddressRange.bytes(of: context.channel.remoteAddress)
        awaitHead(context)
        context.fireChannelActive()
    }

    private func awaitHead(_ context: ChannelHandlerContext) {
        headDeadline = .now() + .nanoseconds(Int64(runtime.configuration.limits.headerTimeout * 1e9))
        armWatchdog(context.eventLoop)
    }

    private func armWatchdog(_ eventLoop: any EventLoop) {
        guard let next = [headDeadline, responseDeadline, bodyDeadline].compactMap({ $0 }).min() else { return }
        // A timer already set for no later than `next` will see it; only an earlier deadline needs a new one.
        if let armed = watchdogAt, armed <= next { return }
        watchdog?.cancel()
        watchdogAt = next
        watchdog = eventLoop.scheduleTask(deadline: next) { [weak self] in
            guard let self else { return }
            self.watchdog = nil
            self.watchdogAt = nil
            let now = NIODeadline.now()
            if let deadline = self.headDeadline, deadline <= now {
                self.headDeadline = nil
                if case .idle = self.state {
                    // No request is in flight, so there is nothing to answer: the connection is simply closed.
                    self.state = .answered
                    self.context?.close(promise: nil)
                    return
                }
            }
            if let deadline = self.bodyDeadline, deadline <= now {
                return self.bodyTimedOut()
            }
            if let deadline = self.responseDeadline, deadline <= now {
                self.responseDeadline = nil
                self.upstreamFailed(GatewayError.timedOut)
            }
            self.armWatchdog(eventLoop)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        // A request the client pipelined behind one still in flight waits its turn, and so does what follows it.
        if !pipelined.isEmpty || (part.isHead && !isIdle) {
            pipelined.append(part)
            readGate.pause()
            return
        }
        reading = true
        defer { reading = false }
        handle(part, context: context)
    }

    private var isIdle: Bool {
        if case .idle = state { true } else { false }
    }

    private var isAnswered: Bool {
        if case .answered = state { true } else { false }
    }

    private func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            headDeadline = nil
            requestHasBody = head.hasBody
            if requestHasBody {
                bodyDeadline = .now() + .nanoseconds(Int64(runtime.configuration.limits.bodyTimeout * 1e9))
                armWatchdog(context.eventLoop)
            }
            begin(head, context: context)
        case .body(let buffer):
            // A later deadline needs no new timer: the armed one finds it not yet due and re-arms.
            if bodyDeadline != nil { bodyDeadline = .now() + .nanoseconds(Int64(runtime.configuration.limits.bodyTimeout * 1e9)) }
            pass(.body(.byteBuffer(buffer)))
        case .end(let trailers):
            bodyDeadline = nil
            requestComplete = true
            pass(.end(trailers))
            if case .answered = state {
                // The gateway answered this request already; from here it waits for the next one.
                state = .idle
                becameIdle(context)
            }
        }
    }

    /// The exchange is over: the connection waits for its next request, or takes up one the client pipelined.
    private func becameIdle(_ context: ChannelHandlerContext) {
        awaitHead(context)
        guard !pipelined.isEmpty else { return readGate.resume() }
        // Taken up on the next loop turn, not inside the call that ended the previous exchange.
        context.eventLoop.execute { self.takeUpPipelined() }
    }

    private func takeUpPipelined() {
        guard let context else { return }
        while let part = pipelined.first, !(part.isHead && !isIdle) {
            pipelined.removeFirst()
            handle(part, context: context)
        }
        if case .forwarding(let connection) = state { connection.channel.flush() }
        if pipelined.isEmpty { readGate.resume() }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if case .forwarding(let connection) = state { connection.channel.flush() }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        watchdog?.cancel()
        if case .forwarding(let connection) = state { connection.channel.close(promise: nil) }
        state = .answered
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A request NIO's parser refused (conflicting lengths, folded or malformed headers) was answered
        // with 400 by its protocol error handler; nothing on this connection can be trusted after it.
        if error is HTTPParserError { runtime.metrics.observe(decision: "reject", status: 400, seconds: 0) }
        if !handshakeCompleted && (error is NIOSSLError || error is BoringSSLError) {
            // A failed handshake (most often a client certificate from the wrong CA, or none): there is no
            // request to answer, but the refusal is logged, with nginx's 495 "certificate error" as its status.
            record = (.now(), "-", "-", clientAddress, nil, nil)
            audit("reject", status: 495, reason: "TLS handshake failed: \(error)", correlation: nextCorrelationID())
        }
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls { handshakeCompleted = true }
        if event is DrainEvent {
            draining = true
            exchange?.keepAlive = false
            // Idle: nothing to finish. Busy: the answer in flight is the last (requests pipelined behind it are dropped).
            if isIdle && pipelined.isEmpty { context.close(promise: nil) }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // The client reads slower than the upstream sends: stop reading the upstream until it catches up.
        if case .forwarding(let connection) = state {
            if context.channel.isWritable { connection.handler.resumeReads() } else { connection.handler.pauseReads() }
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Request side

    private func begin(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        runtime = current.value
        requestComplete = false
        responseStarted = false
        bytesOut = 0
        let correlation = nextCorrelationID()
        record = (.now(), head.method.rawValue, String(head.uri.prefix { $0 != "?" }), clientAddress, nil, nil)
        contract = nil
        contractNote = nil
        heldResponse = nil
        traffic = nil
        detection = (nil, [], nil, false, nil)
        if let recorder = runtime.trafficRecorder {
            trafficShare += recorder.settings.sampleRate
            if trafficShare >= 1 {
                trafficShare -= 1
                traffic = (head, nil, nil, nil)
            }
        }
        if !runtime.configuration.clients.isEmpty, let refusal = runtime.configuration.clients.refusal(clientAddressBytes) {
            return answer(.forbidden, "forbidden", correlation: correlation, keepAlive: false, decision: "deny", reason: refusal)
        }
        if let alerts = runtime.alerts, !alerts.blocklist.isEmpty, alerts.blocklist.blocked("client " + clientAddress) != nil {
            return answer(.forbidden, "forbidden", correlation: correlation, keepAlive: false, decision: "deny", reason: "blocked after an anomaly alert")
        }
        let limits = runtime.configuration.limits
        if let rejection = RequestGuard.check(head, limits: limits) {
            // A request whose framing is in doubt leaves nothing on the connection worth reading.
            return answer(rejection.status, rejection.reason, correlation: correlation, keepAlive: false, decision: "reject")
        }
        // The guard refused any other expectation; this one the gateway answers itself once the request passes.
        expectsContinue = requestHasBody && head.headers.contains(name: "expect")
        let path: String
        do { path = try PathNormalizer.normalize(head.uri) } catch {
            return answer(.badRequest, "request path refused: \(error)", correlation: correlation, keepAlive: false, decision: "reject")
        }
        record?.path = path
        switch runtime.router.route(method: head.method.rawValue, host: head.headers.first(name: "host"), path: path) {
        case .notFound:
            answer(.notFound, "no route", correlation: correlation, keepAlive: head.isKeepAlive, decision: "reject")
        case .methodNotAllowed(let allowed):
            answer(.methodNotAllowed, "method not allowed", correlation: correlation, keepAlive: head.isKeepAlive, extra: [("Allow", allowed.joined(separator: ", "))],
                   decision: "reject")
        case .route(let route, let parameters):
            if runtime.alerts != nil { noteOperation(head, path: path, route: route, parameters: parameters) }
            if !route.clients.isEmpty, let refusal = route.clients.refusal(clientAddressBytes) {
                record?.route = route.name
                return answer(.forbidden, "forbidden", correlation: correlation, keepAlive: head.isKeepAlive, decision: "deny", reason: refusal)
            }
            if let policy = route.cors, CORS.isPreflight(head) {
                record?.route = route.name
                guard let headers = CORS.preflight(policy, head) else {
                    return answer(.forbidden, "origin or method not allowed", correlation: correlation, keepAlive: head.isKeepAlive, decision: "deny", reason: "CORS preflight refused")
                }
                return answer(.noContent, "", correlation: correlation, keepAlive: head.isKeepAlive, extra: headers, decision: "allow", reason: "CORS preflight")
            }
            let client = clientAddress
            let certificate = tls ? peerCertificate(context) : nil
            if let decision = runtime.gatekeeper.decide(route, head: head, parameters: parameters, client: client, certificate: certificate) {
                return proceed(decision, route: route, head: head, path: path, correlation: correlation)
            }
            // A token not seen before: verify it off the event loop, holding the request until then.
            state = .authenticating([])
            readGate.pause()
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            let gatekeeper = runtime.gatekeeper
            let eventLoop = context.eventLoop
            Task {
                let decision = await gatekeeper.decideVerifying(route, head: head, parameters: parameters, client: client)
                eventLoop.execute { handler.value.proceed(decision, route: route, head: head, path: path, correlation: correlation) }
            }
        }
    }

    /// Answers a denied request, or passes an allowed one on to its upstream.
    private func proceed(_ decision: Gatekeeper.Decision, route: GatewayConfiguration.Route, head: HTTPRequestHead, path: String, correlation: String) {
        // A token verified off the loop may come back to a request already answered (its body timed out, the client left).
        guard let context, !isAnswered else { return }
        switch decision {
        case .deny(let status, let reason, let headers):
            record?.route = route.name
            let message = status == .unauthorized ? "authentication required" : status == .tooManyRequests ? "too many requests" : "forbidden"
            answer(status, message, correlation: correlation, keepAlive: head.isKeepAlive, extra: headers, decision: "deny", reason: reason)
        case .allow(let principal, let responseHeaders):
            record?.route = route.name
            record?.identity = principal.map { "\($0.authenticator):\($0.subject)" }
            guard let upstream = runtime.configuration.upstreams[route.upstream] else {
                return answer(.badGateway, "bad gateway", correlation: correlation, keepAlive: false, decision: "error")
            }
            if let alerts = runtime.alerts, let principal, !alerts.blocklist.isEmpty,
               alerts.blocklist.blocked("identity \(principal.authenticator):\(principal.subject)") != nil {
                return answer(.forbidden, "forbidden", correlation: correlation, keepAlive: head.isKeepAlive, decision: "deny", reason: "blocked after an anomaly alert")
            }
            if let contract = runtime.contracts[route.index], let refusal = check(head, path: path, against: contract) {
                if contract.mode == .enforce {
                    return answer(refusal.status, refusal.message, correlation: correlation, keepAlive: head.isKeepAlive, extra: refusal.headers, decision: "reject",
                                  reason: "openapi: " + refusal.message)
                }
                contractNote = "openapi (monitor): " + refusal.message
            }
            exchange = (route, upstream, correlation, head.isKeepAlive && !draining, responseHeaders, head.headers.first(name: "origin"), principal != nil,
                        head.version == .http1_0 ? .http1_0 : .http1_1)
            var upstreamHead = ForwardedHeaders.upstreamRequest(head, path: path, basePath: upstream.basePath, client: clientAddress,
                                                                tls: tls, correlation: correlation, principal: principal)
            if expectsContinue {
                // Every check has passed: the client may send its body. The upstream gets it without waiting for a go-ahead of its own.
                upstreamHead.headers.remove(name: "expect")
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
            var waiting: [HTTPClientRequestPart] = []
            if case .authenticating(let parts) = state { waiting = parts }
            let checksBody = contract.map { $0.1.bodySchema != nil } ?? false
            // A login's username is read from its body for the credential-stuffing detector (small bodies only).
            let readsUsername = detection.isLogin && (head.headers.first(name: "content-length").flatMap(Int.init) ?? Int.max) <= Self.maximumLoginBody
            if (checksBody || readsUsername) && requestHasBody {
                // The body is read whole (bounded by limits.max_body_bytes) and checked before anything reaches the upstream.
                var body = context.channel.allocator.buffer(capacity: 0)
                var ended = false
                for part in waiting {
                    switch part {
                    case .body(.byteBuffer(var bytes)): body.writeBuffer(&bytes)
                    case .end: ended = true
                    default: break
                    }
                }
                state = .validating(head: .head(upstreamHead), body: body, upstream: upstream)
                if ended { finishValidation() } else { readGate.resume() }
                return
            }
            forward([.head(upstreamHead)] + waiting, to: upstream)
        }
    }

    /// The route's API description: the request must be a documented operation with valid parameters (the body comes later).
    private func check(_ head: HTTPRequestHead, path: String, against contract: APIContract) -> (status: HTTPResponseStatus, message: String, headers: [(String, String)])? {
        switch contract.match(method: head.method.rawValue, path: path) {
        case .notFound:
            return (.notFound, "no such operation", [])
        case .methodNotAllowed(let allowed):
            return (.methodNotAllowed, "method not allowed", [("Allow", allowed.joined(separator: ", "))])
        case .operation(let operation, let parameters):
            self.contract = (contract, operation)
            if runtime.alerts != nil {
                detection.operation = operation.label
                detection.objectIDs = parameters.isEmpty ? [] : operation.segments.filter { $0.literal == nil }.compactMap { parameters[$0.name] }
            }
            return contract.check(operation, pathParameters: parameters, head: head).map { ($0.0, $0.1, []) }
        }
    }

    /// The whole body is in: check it, then pass the request on or refuse it.
    private func finishValidation() {
        guard case .validating(let head, let body, let upstream) = state, let exchange else { return }
        if traffic != nil { traffic?.requestBody = Array(body.readableBytesView.prefix(runtime.trafficRecorder?.settings.maxBody ?? 0)) }
        if detection.isLogin, detection.username == nil { detection.username = Self.username(inJSON: body) }
        if let (contract, operation) = contract, let problem = contract.checkBody(operation, body.readableBytesView) {
            if contract.mode == .enforce {
                return answer(.badRequest, problem, correlation: exchange.correlation, keepAlive: exchange.keepAlive, decision: "reject", reason: "openapi: " + problem)
            }
            contractNote = "openapi (monitor): " + problem
        }
        forward([head, .body(.byteBuffer(body)), .end(nil)], to: upstream)
    }

    /// Takes an upstream connection from the pool and sends it the request parts that are ready.
    private func forward(_ parts: [HTTPClientRequestPart], to upstream: GatewayConfiguration.Upstream) {
        guard let context, let route = exchange?.route else { return }
        state = .connecting(parts)
        readGate.pause()
        let pool = self.pool ?? runtime.pools.pool(for: context.eventLoop)
        self.pool = pool
        pool.acquire(upstream, tls: runtime.upstreamTLS[route.upstream]).hop(to: context.eventLoop).whenComplete { result in
            switch result {
            case .success(let connection): self.connected(connection, upstream: upstream)
            case .failure: self.upstreamFailed(GatewayError.unreachable)
            }
        }
    }

    private func connected(_ connection: UpstreamConnection, upstream: GatewayConfiguration.Upstream) {
        guard case .connecting(let parts) = state, let context else {
            connection.channel.close(promise: nil)
            return
        }
        connection.handler.sink = self
        if !context.channel.isWritable { connection.handler.pauseReads() }
        state = .forwarding(connection)
        for part in parts { connection.channel.write(part, promise: nil) }
        // Within a read, channelReadComplete flushes once for the whole batch; after an asynchronous connect, flush now.
        if !reading { connection.channel.flush() }
        responseDeadline = .now() + .milliseconds(Int64(upstream.responseTimeout * 1000))
        armWatchdog(context.eventLoop)
        if connection.channel.isWritable { readGate.resume() }
    }

    private func pass(_ part: HTTPClientRequestPart) {
        switch state {
        case .connecting(var parts):
            parts.append(part)
            state = .connecting(parts)
        case .authenticating(var parts):
            parts.append(part)
            state = .authenticating(parts)
        case .validating(let head, var body, let upstream):
            switch part {
            case .body(.byteBuffer(var bytes)):
                guard body.readableBytes + bytes.readableBytes <= runtime.configuration.limits.maxBodyBytes else {
                    return answer(.payloadTooLarge, "request body too large", correlation: exchange?.correlation ?? nextCorrelationID(), keepAlive: false, decision: "reject")
                }
                body.writeBuffer(&bytes)
                state = .validating(head: head, body: body, upstream: upstream)
            case .end:
                finishValidation()
            default:
                break
            }
        case .forwarding(let connection):
            connection.channel.write(part, promise: nil)
            if !connection.channel.isWritable { readGate.pause() }
        case .idle, .answered:
            break
        }
    }

    // MARK: Response side

    func upstreamReceived(_ part: HTTPClientResponsePart) {
        guard let context, let exchange, case .forwarding(let connection) = state else { return }
        switch part {
        case .head(let head):
            responseDeadline = nil
            responseStarted = true
            responseStatus = Int(head.status.code)
            // The client's connection outlives the upstream's: an upstream that closes after this response only
            // makes its own connection unusable (NIO re-frames a close-delimited body as chunked for the client).
            var response = ForwardedHeaders.clientResponse(head, version: exchange.version, route: exchange.route, tls: tls, correlation: exchange.correlation,
                                                          keepAlive: exchange.keepAlive)
            for (name, value) in exchange.responseHeaders { response.headers.replaceOrAdd(name: name, value: value) }
            CORS.apply(exchange.route.cors, origin: exchange.origin, to: &response.headers)
            // An answer for an authenticated caller must not be kept by shared caches unless the upstream says how.
            if exchange.authenticated && !response.headers.contains(name: "cache-control") { response.headers.add(name: "Cache-Control", value: "no-store") }
            if traffic != nil { traffic?.responseHeaders = response.headers }
            if let (contract, operation) = contract, contract.mode == .enforce || contract.responsePolicy == .flag {
                let json = APIContract.isJSON(APIContract.mediaType(response.headers.first(name: "content-type") ?? ""))
                let schema = json && contract.responsePolicy != .off ? contract.responseSchema(operation, status: responseStatus) : nil
                // A 5xx is held (in enforce mode) to see whether it leaks internals; a JSON answer with a schema, to check its properties.
                if schema != nil || (responseStatus >= 500 && contract.mode == .enforce) {
                    heldResponse = (response, context.channel.allocator.buffer(capacity: 0), schema)
                    return
                }
            }
            context.write(wrapOutboundOut(.head(response)), promise: nil)
        case .body(var buffer):
            if let maximum = runtime.trafficRecorder?.settings.maxBody, var sampled = traffic, (sampled.responseBody?.count ?? 0) + buffer.readableBytes <= maximum {
                sampled.responseBody = (sampled.responseBody ?? []) + buffer.readableBytesView
                traffic = sampled
            }
            if var held = heldResponse {
                guard held.body.readableBytes + buffer.readableBytes <= Self.maximumHeldResponse else {
                    // Too large to hold: passed on as it is.
                    heldResponse = nil
                    contractNote = "openapi: answer too large to check"
                    context.write(wrapOutboundOut(.head(held.head)), promise: nil)
                    bytesOut += held.body.readableBytes
                    context.write(wrapOutboundOut(.body(.byteBuffer(held.body))), promise: nil)
                    bytesOut += buffer.readableBytes
                    context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
                    return
                }
                held.body.writeBuffer(&buffer)
                heldResponse = held
                return
            }
            bytesOut += buffer.readableBytes
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        case .end(let trailers):
            if let held = heldResponse {
                heldResponse = nil
                let (head, body) = checkedAnswer(held, correlation: exchange.correlation)
                bytesOut += body.readableBytes
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                if body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
            }
            let keepAlive = exchange.keepAlive && requestComplete
            if requestComplete, let pool {
                pool.release(exchange.upstream, connection)
            } else {
                // The upstream answered before the request body ended: that connection is not reusable.
                connection.handler.sink = nil
                connection.channel.close(promise: nil)
            }
            state = .idle
            audit("allow", status: responseStatus, reason: nil, correlation: exchange.correlation)
            self.exchange = nil
            let written = context.writeAndFlush(wrapOutboundOut(.end(trailers)))
            if keepAlive {
                becameIdle(context)
            } else {
                written.whenComplete { _ in context.close(promise: nil) }
            }
        }
    }

    /// A held answer, checked: a 5xx that shows internals becomes a generic error; undeclared properties are removed or noted.
    private func checkedAnswer(_ held: (head: HTTPResponseHead, body: ByteBuffer, schema: SchemaValidator?), correlation: String) -> (HTTPResponseHead, ByteBuffer) {
        guard let context, let (contract, _) = contract else { return (held.head, held.body) }
        var head = held.head
        var body = held.body
        if responseStatus >= 500 && StackTraceDetector.looksLikeInternals(String(buffer: body)) {
            body = context.channel.allocator.buffer(string: #"{"error":"internal error","correlation_id":"\#(correlation)"}"#)
            head.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            contractNote = "openapi: a \(responseStatus) answer showing internals was replaced"
        } else if let schema = held.schema,
                  body.withUnsafeReadableBytes({ UndeclaredPropertyScanner.mayHaveUndeclared($0, schema: schema) }),
                  var value = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView), options: [.fragmentsAllowed]) {
            let strip = contract.responsePolicy == .strip
            let found = ResponseFilter.filter(&value, schema: schema, strip: strip)
            if found.count > 0 {
                contractNote = "openapi: \(found.count) undeclared response propert\(found.count == 1 ? "y" : "ies") \(strip ? "removed" : "seen"), first \(found.first ?? "")"
                if strip, let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .withoutEscapingSlashes]) {
                    body = context.channel.allocator.buffer(bytes: data)
                }
            }
        }
        head.headers.remove(name: "transfer-encoding")
        head.headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes))
        return (head, body)
    }

    func upstreamReadComplete() {
        // Body parts are written as they arrive and flushed once per batch; without this a large answer would
        // fill the client's buffer unflushed, stop the upstream reads, and never drain.
        if case .forwarding = state { context?.flush() }
    }

    func upstreamWritabilityChanged(_ writable: Bool) {
        if writable { readGate.resume() } else { readGate.pause() }
    }

    /// The request body stopped arriving: 408 if nothing has been answered yet, else the connection is simply closed.
    private func bodyTimedOut() {
        bodyDeadline = nil
        responseDeadline = nil
        if case .forwarding(let connection) = state {
            // The upstream holds half a request: that connection cannot be used again.
            connection.handler.sink = nil
            connection.channel.close(promise: nil)
        }
        guard !responseStarted, !isAnswered else {
            state = .answered
            context?.close(promise: nil)
            return
        }
        answer(.requestTimeout, "request body not received in time", correlation: exchange?.correlation ?? nextCorrelationID(), keepAlive: false,
               decision: "reject")
    }

    func upstreamFailed(_ error: any Error) {
        guard let exchange else { return }
        responseDeadline = nil
        if case .forwarding(let connection) = state {
            connection.handler.sink = nil
            connection.channel.close(promise: nil)
        }
        if responseStarted {
            // Half a response cannot be turned into an error: close, so the client sees it was cut.
            audit("error", status: responseStatus, reason: "upstream closed mid-response", correlation: exchange.correlation)
            state = .answered
            context?.close(promise: nil)
            return
        }
        let timedOut = (error as? GatewayError) == .timedOut
        answer(timedOut ? .gatewayTimeout : .badGateway, timedOut ? "upstream timed out" : "bad gateway", correlation: exchange.correlation, keepAlive: false,
               decision: "error", reason: timedOut ? "upstream timed out" : "upstream unreachable")
    }

    // MARK: Answers from the gateway itself

    /// The identity in the client's certificate, which the TLS handshake verified against the listener's CA bundle.
    private func peerCertificate(_ context: ChannelHandlerContext) -> ClientCertificate? {
        if let known = clientCertificate { return known }
        let certificate = (try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self))?.peerCertificate.flatMap(ClientCertificate.init)
        clientCertificate = .some(certificate)
        return certificate
    }

    /// A short JSON error with the correlation id; never internal details.
    private func answer(_ status: HTTPResponseStatus, _ message: String, correlation: String, keepAlive requestedKeepAlive: Bool, extra: [(String, String)] = [],
                        decision: String, reason: String? = nil) {
        guard let context else { return }
        // A client refused before its go-ahead does not send its body: the connection cannot carry another request.
        let keepAlive = requestedKeepAlive && !draining && !(expectsContinue && !requestComplete)
        audit(decision, status: Int(status.code), reason: reason ?? message, correlation: correlation)
        state = .answered
        exchange = nil
        if pipelined.isEmpty { readGate.resume() }
        let escaped = message.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let body = status == .noContent ? "" : #"{"error":"\#(escaped)","correlation_id":"\#(correlation)"}"#
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", String(body.utf8.count)), ("X-Correlation-ID", correlation),
                                   ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store")] + extra)
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if !body.isEmpty { context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil) }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if keepAlive && requestComplete {
            state = .idle
            becameIdle(context)
        } else if keepAlive {
            state = .answered
            awaitHead(context)
        } else {
            written.whenComplete { _ in context.close(promise: nil) }
        }
    }

    /// The largest login body read for its username.
    static let maximumLoginBody = 16 * 1024

    /// How the detectors name this request's operation and objects, before any API description is consulted.
    private func noteOperation(_ head: HTTPRequestHead, path: String, route: GatewayConfiguration.Route, parameters: [String: String]) {
        let method = head.method.rawValue
        if route.pattern.isTemplate {
            detection.operation = method + " " + route.name
            detection.objectIDs = route.pattern.parameters.compactMap { parameters[$0] }
        } else {
            let skeleton = PathSkeleton.of(path)
            detection.operation = method + " " + skeleton.template
            detection.objectIDs = skeleton.values
        }
        detection.isLogin = method == "POST" && LoginPaths.matches(path)
        if let username = Gatekeeper.basicUsername(head) { detection.username = username }
        if head.uri.utf8.contains(UInt8(ascii: "?")), let size = APIContract.query(head.uri).first(where: { LoginPaths.pageSizeParameters.contains($0.name.lowercased()) }).flatMap({ Int($0.value) }) {
            detection.pageSize = size
        }
    }

    /// The username a JSON login body names (`username`, `email`, `login` or `user`).
    static func username(inJSON body: ByteBuffer) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else { return nil }
        return ["username", "email", "login", "user"].lazy.compactMap { object[$0] as? String }.first
    }

    /// Hands the finished request to the anomaly detectors, and their alerts to the audit log, metrics, webhook and blocklist.
    private func detect(_ record: (started: NIODeadline, method: String, path: String, client: String, identity: String?, route: String?), status: Int,
                        correlation: String) {
        guard let alerts = runtime.alerts, let operation = detection.operation else { return }
        let failed = status == 401 || (detection.isLogin && (400..<500).contains(status) && status != 429)
        let event = RequestEvent(time: Date().timeIntervalSince1970, client: record.client, identity: record.identity, operation: operation,
                                 objectIDs: detection.objectIDs, status: status, authenticationFailed: failed, username: detection.username,
                                 pageSize: detection.pageSize)
        let raised = alerts.detector.observe(event)
        if !raised.isEmpty { alerts.raise(raised, correlation: correlation, auditLog: runtime.auditLog, metrics: runtime.metrics) }
    }

    /// Counts the current request in the metrics and writes its line to the audit log, if there is one.
    private func audit(_ decision: String, status: Int, reason: String?, correlation: String) {
        guard let record else { return }
        self.record = nil
        let reason = reason ?? contractNote
        detect(record, status: status, correlation: correlation)
        if let traffic, let recorder = runtime.trafficRecorder {
            self.traffic = nil
            recorder.record(TrafficRecorder.Exchange(client: record.client, identity: record.identity, request: traffic.head, path: record.path, status: status,
                                                     responseHeaders: traffic.responseHeaders, requestBody: traffic.requestBody,
                                                     responseBody: traffic.responseBody, correlation: correlation))
        }
        let latency = Double((NIODeadline.now() - record.started).nanoseconds) / 1e6
        runtime.metrics.observe(decision: decision, status: status, seconds: latency / 1000)
        guard let log = runtime.auditLog else { return }
        log.record(AuditEntry(time: Date().formatted(.iso8601), client: record.client, identity: record.identity, route: record.route, method: record.method,
                              path: record.path, decision: decision, reason: reason, status: status, latencyMs: (latency * 1000).rounded() / 1000,
                              bytes: bytesOut, correlation: correlation))
    }

    private func nextCorrelationID() -> String {
        requestCount &+= 1
        return correlationPrefix + "-" + String(requestCount, radix: 16)
    }
}

extension HTTPRequestHead {
    /// Whether a body follows the head (a length above zero, or chunks).
    var hasBody: Bool { headers.first(name: "content-length").map { $0 != "0" } ?? headers.contains(name: "transfer-encoding") }
}

extension HTTPServerRequestPart {
    var isHead: Bool {
        if case .head = self { true } else { false }
    }
}

enum GatewayError: Error, Equatable {
    case unreachable, timedOut
}
