import Foundation
import NIOCore
import NIOConcurrencyHelpers
import NIOHTTP1
import NIOSSL
import NIOTLS
import RampartDiscover

/// One client connection: reads its HTTP/1.1 requests off the bytes, checks and routes each, passes it to an
/// upstream connection from the loop's pool, and streams the answer back. Request bodies are passed on as they
/// arrive, with reads held back while the upstream cannot take them; nothing is buffered whole.
final class ClientConnectionHandler: ChannelInboundHandler, UpstreamResponseSink {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case idle
        /// A token is being verified; the body parts received meanwhile.
        case authenticating([UpstreamRequestPart])
        /// The JSON body is being read whole, to be checked against the route's API description before it goes on.
        case validating(head: UpstreamRequestHead, body: ByteBuffer, upstream: GatewayConfiguration.Upstream)
        /// Waiting for a new upstream connection; the parts received meanwhile follow the head.
        case connecting(UpstreamRequestHead, [UpstreamRequestPart])
        case forwarding(UpstreamConnection)
        /// The request was answered by the gateway itself; the rest of its body is dropped.
        case answered
    }

    private let current: CurrentRuntime
    /// The configuration the current request is served with (a reload applies from the next request).
    private var runtime: GatewayRuntime
    /// The reload `runtime` comes from (see `CurrentRuntime.generation`).
    private var runtimeGeneration: Int
    /// Reads from the client are held back while its request body cannot be passed on (the upstream is still
    /// connecting or not writable) or requests it pipelined wait, so a fast client never fills the gateway's memory.
    private var reads = HeldReads()
    private var decoder = RequestDecoder()
    /// How the body of the answer being sent is framed for the client.
    private var clientFraming = OutgoingFraming.plain
    /// A request pipelined behind the one in flight could not be read: answered once those before it are.
    private var pipelinedFailure: HTTP1Error?
    private let tls: Bool
    private var context: ChannelHandlerContext?
    /// The channel's allocator is NIO's default one; holding our own spares a channel lookup per buffer.
    private let allocator = ByteBufferAllocator()
    /// The buffer of the last answer's head, for the next one.
    private var heads = RecycledBuffer()
    /// The lists of headers the last request and answer appended, for the next ones (`HeaderRewrite`).
    private var appendedToRequest: [(String, String)] = []
    private var appendedToAnswer: [(String, String)] = []
    private var state = State.idle
    private var exchange: Exchange?
    /// The upstream connections of this connection's event loop (the same pool across reloads).
    private var pool: UpstreamPool?
    private var requestComplete = false
    /// The client channel's writability, as its events tell it (asking the channel costs a trip through the pipeline).
    private var isWritable = true
    private var responseStarted = false
    private var responseStatus = 0
    /// The request being handled, for the audit log.
    private var record: AuditRecord?
    private var bytesOut = 0
    /// True while this handler is inside `channelRead`: the read-complete flush will follow.
    private var reading = false
    /// The documented operation the current request is, when its route enforces an API description.
    private var contract: (APIContract, APIContract.Operation)?
    /// What the API description check noticed but let through (monitor mode, flagged properties), for the audit line.
    private var contractNote: String?
    /// The route's GraphQL policy, when it has one, and what the request needs for it once its body is in.
    private var graphQL: (guard: GraphQLGuard, caller: Principal?, contentType: String?)?
    /// An answer held back until it is complete: to strip undeclared properties, or replace a 5xx that leaks internals.
    private var heldResponse: HeldResponse?
    /// Held answers larger than this are passed on unchanged (and unchecked).
    static let maximumHeldResponse = 1 << 20
    /// The current request is sampled into the traffic log: what it needs, gathered as the exchange goes.
    private var traffic: (head: HTTPRequestHead, requestBody: [UInt8]?, responseHeaders: HTTPHeaders?, responseBody: [UInt8]?)?
    /// What the anomaly detectors learn about the current request beyond the audit record.
    /// `routed` marks a request that reached a route (only those are observed); without an `operation`, its path's
    /// skeleton names it, worked out only then (an API description usually names the operation first).
    private var detection: (routed: Bool, operation: String?, objectIDs: [String], username: String?, isLogin: Bool, pageSize: Int?) = (false, nil, [], nil, false, nil)
    /// The current request has a body (a length above zero, or chunks).
    private var requestHasBody = false
    /// The current request's body is chunked.
    private var requestChunked = false
    /// The client sent `Expect: 100-continue` and waits for a go-ahead before sending its body.
    private var expectsContinue = false
    /// Sampling without a random source: the share accumulates per request, and a request is recorded each time it reaches one.
    private var trafficShare = 0.0
    /// Parts of requests the client sent while an earlier one was still being answered (HTTP/1.1 pipelining).
    private var pipelined: [ClientRequestPart] = []

    /// The gateway is shutting down: the current answer is the connection's last.
    private var draining = false
    /// TLS errors after the handshake (a client closing without close_notify) are not refusals worth logging.
    private var handshakeCompleted = false
    /// The verified client certificate's identity, read once per connection.
    private var clientCertificate: ClientCertificate??

    /// The client's address as text, read once per connection.
    private var clientAddress = "-"
    private var clientAddressBytes: [UInt8] = []
    /// The client as the forwarding headers name it (read after the connection is active).
    private lazy var forwardedClient = ForwardedClient(address: clientAddress, tls: tls)
    /// Correlation ids: a random prefix per connection and a counter, so no request waits on the system's random source.
    private let correlationPrefix = String(UInt32.random(in: 0...UInt32.max), radix: 16) + "-"
    private var requestCount: UInt32 = 0

    init(current: CurrentRuntime, tls: Bool) {
        self.current = current
        runtimeGeneration = current.generation
        runtime = current.value
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
        reads.next(context)
        context.fireChannelActive()
    }

    private func awaitHead(_ context: ChannelHandlerContext) {
        headDeadline = .coarseNow() + .nanoseconds(Int64(runtime.configuration.limits.headerTimeout * 1e9))
        armWatchdog(context.eventLoop)
    }

    private func armWatchdog(_ eventLoop: any EventLoop) {
        func earlier(_ one: NIODeadline?, _ other: NIODeadline?) -> NIODeadline? { one.map { min($0, other ?? $0) } ?? other }
        guard let next = earlier(earlier(headDeadline, responseDeadline), bodyDeadline) else { return }
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
                return self.abort(.requestTimeout, "request body not received in time")
            }
            if let deadline = self.responseDeadline, deadline <= now {
                self.responseDeadline = nil
                self.upstreamFailed(GatewayError.timedOut)
            }
            self.armWatchdog(eventLoop)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        decoder.receive(unwrapInboundIn(data))
        reading = true
        defer { reading = false }
        // Read once per batch of bytes (a reload in the middle of one applies from the next).
        let limits = runtime.configuration.limits
        do {
            while let part = try decoder.next(limits: limits) {
                // A request the client pipelined behind one still in flight waits its turn, and so does what follows it.
                if !pipelined.isEmpty || (part.isHead && !isIdle) {
                    pipelined.append(part)
                    reads.pause()
                    continue
                }
                handle(part, context: context)
            }
        } catch {
            unreadable(error, context: context)
        }
    }

    /// Bytes that are not a well-formed request (or exceed a limit before a head is complete): nothing after them can be trusted.
    private func unreadable(_ error: HTTP1Error, context: ChannelHandlerContext) {
        if isIdle && pipelined.isEmpty {
            record = AuditRecord(method: "-", path: "-", client: clientAddress)
            answer(error.status, error.reason, correlation: nextCorrelationID(), keepAlive: false, decision: "reject")
        } else if requestComplete || !pipelined.isEmpty {
            // Behind the request in flight: answered in turn.
            pipelinedFailure = error
            reads.pause()
        } else {
            // In the body of the request in flight.
            abort(error.status, error.reason)
        }
    }

    private var isIdle: Bool {
        if case .idle = state { true } else { false }
    }

    private var isAnswered: Bool {
        if case .answered = state { true } else { false }
    }

    private func handle(_ part: ClientRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            headDeadline = nil
            requestHasBody = decoder.framing != .none
            requestChunked = decoder.framing == .chunked
            if requestHasBody {
                bodyStarted = .coarseNow()
                bodyReceived = 0
                bodyDeadline = nextBodyDeadline
                armWatchdog(context.eventLoop)
            }
            begin(head, context: context)
        case .body(let buffer):
            // A later deadline needs no new timer: the armed one finds it not yet due and re-arms.
            if bodyDeadline != nil {
                bodyReceived += buffer.readableBytes
                bodyDeadline = nextBodyDeadline
            }
            pass(.body(buffer))
        case .end:
            bodyDeadline = nil
            requestComplete = true
            pass(.end)
            startResponseClock(context)
            if case .answered = state {
                // The gateway answered this request already; from here it waits for the next one.
                state = .idle
                becameIdle(context)
            }
        }
    }

    /// When the next piece of a request body must have arrived: within the body timeout of the last, and (with a
    /// minimum body rate) by the time the bytes so far have bought: the body timeout from the start, plus one second
    /// per `min_body_rate` bytes, as Apache's mod_reqtimeout counts. A client trickling a byte just inside each timeout
    /// no longer holds its upstream connection for ever.
    private var nextBodyDeadline: NIODeadline {
        let limits = runtime.configuration.limits
        let timeout = TimeAmount.nanoseconds(Int64(limits.bodyTimeout * 1e9))
        let next = NIODeadline.coarseNow() + timeout
        guard limits.minimumBodyRate > 0 else { return next }
        let bought = TimeAmount.nanoseconds(Int64(Double(bodyReceived) / Double(limits.minimumBodyRate) * 1e9))
        return min(next, bodyStarted + timeout + bought)
    }
    private var bodyStarted = NIODeadline.uptimeNanoseconds(0)
    private var bodyReceived = 0

    /// The exchange is over: the connection waits for its next request, or takes up one the client pipelined.
    private func becameIdle(_ context: ChannelHandlerContext) {
        awaitHead(context)
        guard !pipelined.isEmpty || pipelinedFailure != nil else { return reads.resume(context) }
        // Taken up on the next loop turn, not inside the call that ended the previous exchange.
        context.eventLoop.execute { self.takeUpPipelined() }
    }

    private func takeUpPipelined() {
        guard let context else { return }
        while let part = pipelined.first, !(part.isHead && !isIdle) {
            pipelined.removeFirst()
            handle(part, context: context)
        }
        if case .forwarding(let connection) = state { connection.handler.flush() }
        if pipelined.isEmpty, isIdle, let failure = pipelinedFailure {
            pipelinedFailure = nil
            return unreadable(failure, context: context)
        }
        if pipelined.isEmpty && pipelinedFailure == nil { reads.resume(context) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if case .forwarding(let connection) = state { connection.handler.flush() }
        reads.next(context)
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        watchdog?.cancel()
        if case .forwarding(let connection) = state { connection.channel.close(promise: nil) }
        state = .answered
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !handshakeCompleted && (error is NIOSSLError || error is BoringSSLError) {
            // A failed handshake (most often a client certificate from the wrong CA, or none): there is no
            // request to answer, but the refusal is logged, with nginx's 495 "certificate error" as its status.
            record = AuditRecord(method: "-", path: "-", client: clientAddress)
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
        isWritable = context.channel.isWritable
        // The client reads slower than the upstream sends: stop reading the upstream until it catches up.
        if case .forwarding(let connection) = state {
            if isWritable { connection.handler.resumeReads() } else { connection.handler.pauseReads() }
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Request side

    private func begin(_ head: RequestHead, context: ChannelHandlerContext) {
        // Read before the runtime, so a reload in between is seen again at the next request.
        let generation = current.generation
        if generation != runtimeGeneration {
            runtime = current.value
            runtimeGeneration = generation
        }
        // One reference for the whole function (each `self.runtime` read costs one).
        let runtime = runtime
        requestComplete = false
        responseStarted = false
        bytesOut = 0
        let correlation = nextCorrelationID()
        record = AuditRecord(method: head.method.rawValue, path: head.uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { String(head.uri[..<$0]) } ?? head.uri,
                             client: clientAddress)
        contract = nil
        contractNote = nil
        graphQL = nil
        heldResponse = nil
        traffic = nil
        detection = (false, nil, [], nil, false, nil)
        if let recorder = runtime.trafficRecorder {
            trafficShare += recorder.settings.sampleRate
            if trafficShare >= 1 {
                trafficShare -= 1
                traffic = (head.text, nil, nil, nil)
            }
        }
        if !runtime.configuration.clients.isEmpty, let refusal = runtime.configuration.clients.refusal(clientAddressBytes) {
            return answer(.forbidden, "forbidden", correlation: correlation, keepAlive: false, decision: "deny", reason: refusal)
        }
        if let alerts = runtime.alerts, !alerts.blocklist.isEmpty, alerts.blocklist.blocked("client " + clientAddress) != nil {
            return answer(.forbidden, "forbidden", correlation: correlation, keepAlive: false, decision: "deny", reason: "blocked after an anomaly alert")
        }
        let limits = runtime.configuration.limits
        if let rejection = RequestGuard.checkRead(head, limits: limits) {
            // A request whose framing is in doubt leaves nothing on the connection worth reading.
            return answer(rejection.status, rejection.reason, correlation: correlation, keepAlive: false, decision: "reject")
        }
        // The guard refused any other expectation; this one the gateway answers itself once the request passes.
        expectsContinue = requestHasBody && head.headers.contains(name: "expect")
        let path: String
        do { path = try PathNormalizer.normalize(head.uri, refusingTrailingDotsAndSpaces: limits.refuseTrailingDotsAndSpaces) } catch {
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
            reads.pause()
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
    private func proceed(_ decision: Gatekeeper.Decision, route: GatewayConfiguration.Route, head: RequestHead, path: String, correlation: String) {
        // A token verified off the loop may come back to a request already answered (its body timed out, the client left).
        guard let context, !isAnswered else { return }
        let runtime = runtime
        switch decision {
        case .deny(let status, let reason, let headers):
            record?.route = route.name
            let message = status == .unauthorized ? "authentication required" : status == .tooManyRequests ? "too many requests" : "forbidden"
            answer(status, message, correlation: correlation, keepAlive: head.isKeepAlive, extra: headers, decision: "deny", reason: reason)
        case .allow(let principal, let responseHeaders):
            record?.route = route.name
            record?.identity = principal.map { $0.authenticator + ":" + $0.subject }
            guard let upstream = runtime.routeUpstreams[route.index] else {
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
            if let policy = runtime.graphQLGuards[route.index] {
                graphQL = (policy, principal, head.headers.first(name: "content-type"))
                switch head.method {
                case .GET:
                    if let refused = screenGraphQL(policy.check(get: head.uri, caller: principal, client: clientAddress, route: route.name, limiter: runtime.gatekeeper.limiter),
                                                   correlation: correlation, keepAlive: head.isKeepAlive) { return refused }
                case .POST where requestHasBody: break
                default:
                    return answer(head.method == .POST ? .badRequest : .methodNotAllowed, "GraphQL requests are POST application/json", correlation: correlation,
                                  keepAlive: head.isKeepAlive, extra: [("Allow", "POST")], decision: "reject", graphQL: true)
                }
            }
            exchange = Exchange(route: route, upstream: upstream, correlation: correlation, keepAlive: head.isKeepAlive && !draining,
                                responseHeaders: responseHeaders, origin: head.headers.first(name: "origin"), authenticated: principal != nil,
                                version: head.version == .http1_0 ? .http1_0 : .http1_1)
            var upstreamHead = ForwardedHeaders.upstreamRequest(head, path: path, basePath: upstream.basePath, client: forwardedClient,
                                                                tls: tls, correlation: correlation, principal: principal, reusing: &appendedToRequest)
            upstreamHead.framing = requestChunked ? .chunked : .plain
            if runtime.configuration.limits.underscoreHeaders == .drop { upstreamHead.headers.drop(head.headers.underscoredNames()) }
            if expectsContinue {
                // Every check has passed: the client may send its body. The upstream gets it without waiting for a go-ahead of its own.
                upstreamHead.headers.drop("expect")
                context.writeAndFlush(wrapOutboundOut(allocator.buffer(staticString: "HTTP/1.1 100 Continue\r\n\r\n")), promise: nil)
            }
            var waiting: [UpstreamRequestPart] = []
            if case .authenticating(let parts) = state { waiting = parts }
            let checksBody = contract.map { $0.1.bodySchema != nil } ?? false || (graphQL != nil && head.method == .POST)
            // A login's username is read from its body for the credential-stuffing detector (small bodies only).
            let readsUsername = detection.isLogin && (head.headers.first(name: "content-length").flatMap(Int.init) ?? Int.max) <= Self.maximumLoginBody
            if (checksBody || readsUsername) && requestHasBody {
                // The body is read whole (bounded by limits.max_body_bytes) and checked before anything reaches the upstream.
                var body = allocator.buffer(capacity: 0)
                var ended = false
                for part in waiting {
                    switch part {
                    case .body(var bytes): body.writeBuffer(&bytes)
                    case .end: ended = true
                    default: break
                    }
                }
                state = .validating(head: upstreamHead, body: body, upstream: upstream)
                if ended { finishValidation() } else { reads.resume(context) }
                return
            }
            forward(upstreamHead, then: waiting, to: upstream)
        }
    }

    /// The route's API description: the request must be a documented operation with valid parameters (the body comes later).
    private func check(_ head: RequestHead, path: String, against contract: APIContract) -> (status: HTTPResponseStatus, message: String, headers: [(String, String)])? {
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
            return contract.check(operation, pathParameters: parameters, head: head, hasBody: requestHasBody).map { ($0.0, $0.1, []) }
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
        if let (policy, caller, contentType) = graphQL {
            let outcome = policy.check(post: body.readableBytesView, contentType: contentType, caller: caller, client: clientAddress, route: exchange.route.name,
                                       limiter: runtime.gatekeeper.limiter)
            if screenGraphQL(outcome, correlation: exchange.correlation, keepAlive: exchange.keepAlive) != nil { return }
        }
        forward(head, then: [.body(body), .end], to: upstream)
    }

    /// Notes what a GraphQL request asks for (audit log, metrics) and answers it when the policy refuses it; nil when it may go on.
    private func screenGraphQL(_ outcome: GraphQLGuard.Outcome, correlation: String, keepAlive: Bool) -> Void? {
        switch outcome {
        case .pass(let operation, let cost):
            record?.operation = operation
            record?.cost = cost
            runtime.metrics.graphQL(operation: operation, refused: false, cost: cost)
            return nil
        case .refuse(let status, let message, let headers, let operation):
            record?.operation = operation
            runtime.metrics.graphQL(operation: operation ?? "unparsed", refused: true)
            return answer(status, message, correlation: correlation, keepAlive: keepAlive, extra: headers, decision: status == .badRequest || status == .unsupportedMediaType ? "reject" : "deny",
                          reason: "graphql: " + message, graphQL: true)
        }
    }

    /// Sends the request head, and the parts that are ready after it, on an idle upstream connection from the pool,
    /// or on a new one once it is open.
    private func forward(_ head: UpstreamRequestHead, then rest: [UpstreamRequestPart], to upstream: GatewayConfiguration.Upstream) {
        guard let context, let route = exchange?.route else { return }
        let pool = self.pool ?? runtime.pools.pool(for: context.eventLoop)
        self.pool = pool
        if let connection = pool.idleConnection(to: upstream) { return connected(connection, head: head, rest: rest) }
        state = .connecting(head, rest)
        reads.pause()
        pool.connect(upstream, tls: runtime.upstreamTLS[route.upstream]).hop(to: context.eventLoop).whenComplete { result in
            switch result {
            case .success(let connection):
                guard case .connecting(let head, let rest) = self.state else { return connection.channel.close(promise: nil) }
                self.connected(connection, head: head, rest: rest)
            case .failure: self.upstreamFailed(GatewayError.unreachable)
            }
        }
    }

    private func connected(_ connection: UpstreamConnection, head: UpstreamRequestHead, rest: [UpstreamRequestPart]) {
        guard let context else { return connection.channel.close(promise: nil) }
        connection.handler.sink = self
        if !isWritable { connection.handler.pauseReads() }
        state = .forwarding(connection)
        connection.handler.send(head)
        appendedToRequest = head.headers.appended
        for part in rest { connection.handler.send(part) }
        // Within a read, channelReadComplete flushes once for the whole batch; after an asynchronous connect, flush here
        // (with the other writes of this loop turn).
        if !reading { connection.handler.flush() }
        if requestComplete { startResponseClock(context) }
        if connection.handler.isWritable { reads.resume(context) }
    }

    /// The upstream has the whole request: its answer must start within the upstream's response timeout (the time a
    /// client takes to send its body is the body timeout's, not the upstream's).
    private func startResponseClock(_ context: ChannelHandlerContext) {
        guard case .forwarding = state, !responseStarted, let exchange else { return }
        responseDeadline = .coarseNow() + .milliseconds(Int64(exchange.upstream.responseTimeout * 1000))
        armWatchdog(context.eventLoop)
    }

    private func pass(_ part: UpstreamRequestPart) {
        switch state {
        case .connecting(let head, var rest):
            rest.append(part)
            state = .connecting(head, rest)
        case .authenticating(var parts):
            parts.append(part)
            state = .authenticating(parts)
        case .validating(let head, var body, let upstream):
            switch part {
            case .body(var bytes):
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
            connection.handler.send(part)
            if !connection.handler.isWritable { reads.pause() }
        case .idle, .answered:
            break
        }
    }

    // MARK: Response side

    func upstreamReceived(_ part: UpstreamResponsePart) {
        // (The connection is read out of the state only at the end: copying it out costs two reference counts.)
        guard let context, let exchange, case .forwarding = state else { return }
        switch part {
        case .head(let head):
            responseDeadline = nil
            responseStarted = true
            responseStatus = Int(head.status.code)
            var framing = head.framing
            // The client's connection outlives the upstream's: a body that ends when the upstream closes is chunked
            // for an HTTP/1.1 client. An HTTP/1.0 client has no chunks: its body ends when its connection closes.
            if exchange.version.minor == 0 && framing == .chunked || framing == .untilClose && (exchange.version.minor == 0 || head.headers.contains(name: "transfer-encoding")) {
                exchange.keepAlive = false
                framing = .untilClose
            }
            var response = HeaderRewrite(head.headers, dropping: ForwardedHeaders.responseDropped, reusing: &appendedToAnswer)
            ForwardedHeaders.rewriteResponse(&response, head, version: exchange.version, route: exchange.route, tls: tls, correlation: exchange.correlation,
                                             keepAlive: exchange.keepAlive)
            switch framing {
            case .untilClose where exchange.keepAlive: response.add("Transfer-Encoding", "chunked")
            case .untilClose: response.drop("transfer-encoding")
            default: break
            }
            for (name, value) in exchange.responseHeaders { response.replace(name, value) }
            CORS.apply(exchange.route.cors, origin: exchange.origin, to: &response)
            // An answer for an authenticated caller must not be kept by shared caches unless the upstream says how.
            if exchange.authenticated && !response.contains("cache-control") { response.add("Cache-Control", "no-store") }
            if traffic != nil { traffic?.responseHeaders = response.headers }
            // What the client is sent: chunks for a chunked body, and for one that ends at the upstream's close on a kept-alive connection.
            let clientFraming: OutgoingFraming = framing == .chunked || framing == .untilClose && exchange.keepAlive ? .chunked : .plain
            let length: Int? = if case .length(let length) = framing { length } else { nil }
            if graphQL != nil, APIContract.isJSON(APIContract.mediaType(response.first("content-type") ?? "")) {
                // GraphQL answers are held to take suggestions and debug output out of them.
                heldResponse = HeldResponse(version: exchange.version, status: head.status, headers: response, framing: clientFraming,
                                            announcedLength: length, body: allocator.buffer(capacity: 0), schema: nil)
                return
            }
            if let (contract, operation) = contract, contract.mode == .enforce || contract.responsePolicy == .flag {
                let json = APIContract.isJSON(APIContract.mediaType(response.first("content-type") ?? ""))
                let schema = json && contract.responsePolicy != .off ? contract.responseSchema(operation, status: responseStatus) : nil
                // A 5xx is held (in enforce mode) to see whether it leaks internals; a JSON answer with a schema, to check its properties.
                if schema != nil || (responseStatus >= 500 && contract.mode == .enforce) {
                    heldResponse = HeldResponse(version: exchange.version, status: head.status, headers: response, framing: clientFraming,
                                                announcedLength: length, body: allocator.buffer(capacity: 0), schema: schema)
                    return
                }
            }
            writeHead(version: exchange.version, status: head.status, response, framing: clientFraming, bodyLength: length, context: context)
            appendedToAnswer = response.appended
        case .body(var buffer):
            if let maximum = runtime.trafficRecorder?.settings.maxBody, var sampled = traffic, (sampled.responseBody?.count ?? 0) + buffer.readableBytes <= maximum {
                sampled.responseBody = (sampled.responseBody ?? []) + buffer.readableBytesView
                traffic = sampled
            }
            if let held = heldResponse {
                guard held.body.readableBytes + buffer.readableBytes <= Self.maximumHeldResponse else {
                    // Too large to hold: passed on as it is.
                    heldResponse = nil
                    contractNote = "openapi: answer too large to check"
                    writeHead(version: held.version, status: held.status, held.headers, framing: held.framing, bodyLength: nil, context: context)
                    writeBody(held.body, context: context)
                    writeBody(buffer, context: context)
                    return
                }
                // The first piece is kept as it is (most answers come whole); later ones are appended.
                if held.body.readableBytes == 0 { held.body = buffer } else { held.body.writeBuffer(&buffer) }
                return
            }
            writeBody(buffer, context: context)
        case .end:
            if let held = heldResponse {
                heldResponse = nil
                let (headers, body) = checkedAnswer(held, correlation: exchange.correlation)
                writeHead(version: held.version, status: held.status, headers, framing: .plain, bodyLength: body.readableBytes, context: context)
                if body.readableBytes > 0 { writeBody(body, context: context) }
            }
            let keepAlive = exchange.keepAlive && requestComplete
            guard case .forwarding(let connection) = state else { return }
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
            let end = clientFraming.end(allocator: allocator)
            clientFraming = .plain
            if let waiting = headAwaitingBody {
                // Only a body shorter than its Content-Length leaves it here (the decoder does not let one end so).
                headAwaitingBody = nil
                context.write(wrapOutboundOut(waiting.bytes), promise: nil)
            }
            if keepAlive {
                if let end { context.write(wrapOutboundOut(end), promise: nil) }
                flushSoon(context)
                becameIdle(context)
            } else {
                context.writeAndFlush(wrapOutboundOut(end ?? allocator.buffer(capacity: 0))).whenComplete { _ in context.close(promise: nil) }
            }
        }
    }

    /// Writes the head of an answer to the client (flushed with what follows it) and frames its body accordingly.
    /// A head whose body is short and of known length waits for it, so that both go out in one write.
    private func writeHead(version: HTTPVersion, status: HTTPResponseStatus, _ headers: HeaderRewrite, framing: OutgoingFraming, bodyLength: Int?,
                           context: ChannelHandlerContext) {
        clientFraming = framing
        let joined = framing == .plain ? bodyLength.flatMap { (1...Self.bodyWrittenWithHead).contains($0) ? $0 : nil } : nil
        let bytes = MessageWriter.responseHead(version: version, status: status, headers: headers, buffers: &heads, extra: joined ?? 0)
        if let joined { headAwaitingBody = (bytes, joined) } else { writeHeadBytes(bytes, context: context) }
    }

    /// Writes an answer's head (with the body joined to it, if any), keeping its buffer for the next head.
    private func writeHeadBytes(_ bytes: ByteBuffer, context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(bytes), promise: nil)
        heads.recycle(bytes)
    }

    /// A response head held back for its body, and how many body bytes it still waits for.
    private var headAwaitingBody: (bytes: ByteBuffer, missing: Int)?
    /// Bodies up to this size are written with their head.
    static let bodyWrittenWithHead = 16 * 1024

    private func writeBody(_ data: ByteBuffer, context: ChannelHandlerContext) {
        bytesOut += data.readableBytes
        if var waiting = headAwaitingBody {
            headAwaitingBody = nil
            var data = data
            waiting.missing -= data.readableBytes
            waiting.bytes.writeBuffer(&data)
            if waiting.missing > 0 { return headAwaitingBody = waiting }
            return writeHeadBytes(waiting.bytes, context: context)
        }
        context.write(wrapOutboundOut(clientFraming.frame(data, allocator: allocator)), promise: nil)
    }

    /// A held answer, checked: a 5xx that shows internals becomes a generic error; undeclared properties are removed or noted.
    private func checkedAnswer(_ held: HeldResponse, correlation: String) -> (HeaderRewrite, ByteBuffer) {
        var headers = held.headers
        let replaced = contract.flatMap { replacement(for: held, contract: $0.0, headers: &headers, correlation: correlation) }
            ?? graphQL.flatMap { policy in policy.guard.clean(held.body).map { allocator.buffer(bytes: $0) } }
        // An answer passed on as it came, with the length it announced, keeps its headers.
        if replaced == nil, held.announcedLength == held.body.readableBytes { return (headers, held.body) }
        let body = replaced ?? held.body
        headers.drop("transfer-encoding")
        headers.replace("Content-Length", String(body.readableBytes))
        return (headers, body)
    }

    /// The body to send instead of a held answer's, when it must change.
    private func replacement(for held: HeldResponse, contract: APIContract, headers: inout HeaderRewrite, correlation: String) -> ByteBuffer? {
        if responseStatus >= 500 && StackTraceDetector.looksLikeInternals(String(buffer: held.body)) {
            headers.replace("Content-Type", "application/json")
            contractNote = "openapi: a \(responseStatus) answer showing internals was replaced"
            return allocator.buffer(string: #"{"error":"internal error","correlation_id":"\#(correlation)"}"#)
        }
        guard let schema = held.schema, held.body.withUnsafeReadableBytes({ UndeclaredPropertyScanner.mayHaveUndeclared($0, schema: schema) }),
              var value = try? JSONSerialization.jsonObject(with: Data(held.body.readableBytesView), options: [.fragmentsAllowed]) else { return nil }
        let strip = contract.responsePolicy == .strip
        let found = ResponseFilter.filter(&value, schema: schema, strip: strip)
        guard found.count > 0 else { return nil }
        contractNote = "openapi: \(found.count) undeclared response propert\(found.count == 1 ? "y" : "ies") \(strip ? "removed" : "seen"), first \(found.first ?? "")"
        guard strip, let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .withoutEscapingSlashes]) else { return nil }
        return allocator.buffer(bytes: data)
    }

    func upstreamReadComplete() {
        // Body parts are written as they arrive and flushed once per batch; without this a large answer would
        // fill the client's buffer unflushed, stop the upstream reads, and never drain.
        if case .forwarding = state, let context { flushSoon(context) }
    }

    /// Flushes the answer with the loop turn's other writes (see `FlushBatch`).
    private func flushSoon(_ context: ChannelHandlerContext) {
        if let pool { pool.flushes.flushAnswers(context) } else { context.flush() }
    }

    func upstreamWritabilityChanged(_ writable: Bool) {
        if writable { reads.resume(context) } else { reads.pause() }
    }

    /// The request body stopped arriving (408) or broke its framing (400): answered if nothing has been yet,
    /// else the connection is simply closed.
    private func abort(_ status: HTTPResponseStatus, _ reason: String) {
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
        answer(status, reason, correlation: exchange?.correlation ?? nextCorrelationID(), keepAlive: false, decision: "reject")
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
    /// `graphQL` shapes the body as GraphQL's `{"errors": […]}`.
    private func answer(_ status: HTTPResponseStatus, _ message: String, correlation: String, keepAlive requestedKeepAlive: Bool, extra: [(String, String)] = [],
                        decision: String, reason: String? = nil, graphQL: Bool = false) {
        guard let context else { return }
        // A client refused before its go-ahead does not send its body: the connection cannot carry another request.
        let keepAlive = requestedKeepAlive && !draining && !(expectsContinue && !requestComplete)
        audit(decision, status: Int(status.code), reason: reason ?? message, correlation: correlation)
        state = .answered
        exchange = nil
        if pipelined.isEmpty { reads.resume(context) }
        let escaped = message.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let body = status == .noContent ? "" : graphQL ? GraphQLGuard.errorBody(message, correlation: correlation) : #"{"error":"\#(escaped)","correlation_id":"\#(correlation)"}"#
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", String(body.utf8.count)), ("X-Correlation-ID", correlation),
                                   ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store")] + extra)
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        var bytes = MessageWriter.responseHead(version: .http1_1, status: status, headers: HeaderRewrite(headers), buffers: &heads,
                                               extra: body.utf8.count)
        bytes.writeString(body)
        let written = context.writeAndFlush(wrapOutboundOut(bytes))
        heads.recycle(bytes)
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
    private func noteOperation(_ head: RequestHead, path: String, route: GatewayConfiguration.Route, parameters: [String: String]) {
        let method = head.method.rawValue
        detection.routed = true
        if route.pattern.isTemplate {
            detection.operation = method + " " + route.name
            detection.objectIDs = route.pattern.parameters.compactMap { parameters[$0] }
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
    private func detect(_ record: AuditRecord, status: Int,
                        correlation: String) {
        guard let alerts = runtime.alerts, detection.routed else { return }
        let operation: String
        if let named = detection.operation {
            operation = named
        } else {
            let skeleton = PathSkeleton.of(record.path)
            operation = record.method + " " + skeleton.template
            detection.objectIDs = skeleton.values
        }
        let failed = status == 401 || (detection.isLogin && (400..<500).contains(status) && status != 429)
        let event = RequestEvent(time: Date().timeIntervalSince1970, client: record.client, identity: record.identity, operation: operation,
                                 objectIDs: detection.objectIDs, status: status, authenticationFailed: failed, username: detection.username,
                                 pageSize: detection.pageSize)
        let raised = alerts.detector.observe(event)
        if !raised.isEmpty { alerts.raise(raised, correlation: correlation, auditLog: runtime.auditLog, metrics: runtime.metrics) }
    }

    /// Counts the current request in the metrics and writes its line to the audit log, if there is one.
    private func audit(_ decision: String, status: Int, reason: String?, correlation: String) {
        // Moved out, not copied (a copy costs a reference count per field).
        guard let record = record.take() else { return }
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
                              bytes: bytesOut, correlation: correlation, operation: record.operation, cost: record.cost))
    }

    private func nextCorrelationID() -> String {
        requestCount &+= 1
        return correlationPrefix + Self.hex(requestCount)
    }

    /// `value` in lower-case hex (the standard library's radix formatting is generic, and slow for this).
    static func hex(_ value: UInt32) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 8) { digits in
            var rest = value
            var start = 8
            repeat {
                start -= 1
                let digit = UInt8(truncatingIfNeeded: rest & 0xF)
                digits[start] = digit < 10 ? 0x30 + digit : 0x57 + digit
                rest >>= 4
            } while rest != 0
            return String(decoding: UnsafeBufferPointer(rebasing: digits[start...]), as: UTF8.self)
        }
    }
}


/// The request in flight, as its audit line will tell it.
private struct AuditRecord {
    let started = NIODeadline.now()
    let method: String
    /// The path as received, then normalized.
    var path: String
    let client: String
    var identity: String?
    /// The name of the route it took.
    var route: String?
    /// The GraphQL operation it ran and its cost, on a route with `graphql:`.
    var operation: String?
    var cost: Int?

    init(method: String, path: String, client: String) {
        self.method = method
        self.path = path
        self.client = client
    }
}

/// A request let through to its upstream, until its answer has been passed on.
private final class Exchange {
    let route: GatewayConfiguration.Route
    let upstream: GatewayConfiguration.Upstream
    let correlation: String
    var keepAlive: Bool
    /// Headers the policies add to the answer (rate-limit state, for one).
    let responseHeaders: [(String, String)]
    /// The client's `Origin`, for CORS.
    let origin: String?
    let authenticated: Bool
    /// The client's HTTP version (1.0 or 1.1), which the answer is written in.
    let version: HTTPVersion

    init(route: GatewayConfiguration.Route, upstream: GatewayConfiguration.Upstream, correlation: String, keepAlive: Bool, responseHeaders: [(String, String)],
         origin: String?, authenticated: Bool, version: HTTPVersion) {
        self.route = route
        self.upstream = upstream
        self.correlation = correlation
        self.keepAlive = keepAlive
        self.responseHeaders = responseHeaders
        self.origin = origin
        self.authenticated = authenticated
        self.version = version
    }
}

/// An answer held back until it is complete, and what it is checked against (a class: its body grows in place).
private final class HeldResponse {
    let version: HTTPVersion
    let status: HTTPResponseStatus
    /// Its headers, already rewritten for the client.
    let headers: HeaderRewrite
    /// How its body is framed for the client, if it is passed on as it is.
    let framing: OutgoingFraming
    /// The upstream's `Content-Length`, if it sent one.
    let announcedLength: Int?
    var body: ByteBuffer
    let schema: SchemaValidator?

    init(version: HTTPVersion, status: HTTPResponseStatus, headers: HeaderRewrite, framing: OutgoingFraming, announcedLength: Int?, body: ByteBuffer,
         schema: SchemaValidator?) {
        self.version = version
        self.status = status
        self.headers = headers
        self.framing = framing
        self.announcedLength = announcedLength
        self.body = body
        self.schema = schema
    }
}

enum GatewayError: Error, Equatable {
    case unreachable, timedOut
}

extension NIODeadline {
    /// The monotonic clock as of the kernel's last tick: at most a few milliseconds behind `now()`, and cheaper to read
    /// (no clock-source read). Enough to set deadlines counted in seconds (the watchdog still checks them against `now()`).
    static func coarseNow() -> NIODeadline {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &time)
        return .uptimeNanoseconds(UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec))
    }
}
