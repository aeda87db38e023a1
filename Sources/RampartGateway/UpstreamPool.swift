import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Receives one upstream response, part by part, on the event loop both connections share.
protocol UpstreamResponseSink: AnyObject {
    func upstreamReceived(_ part: UpstreamResponsePart)
    func upstreamFailed(_ error: any Error)
    func upstreamWritabilityChanged(_ writable: Bool)
    /// The end of one batch of reads from the upstream: what was passed on can be flushed.
    func upstreamReadComplete()
}

/// Speaks HTTP/1.1 on one upstream connection: writes the requests it is given and hands what comes back,
/// decoded, to whoever is using the connection; holds back reads while that client cannot take more
/// (back-pressure that belongs to the exchange, so it never outlives it in the pool).
final class UpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    weak var sink: (any UpstreamResponseSink)?
    /// Whether the connection may be reused after this response.
    private(set) var reusable = true
    private var context: ChannelHandlerContext?
    private let allocator = ByteBufferAllocator()
    private var heads = RecycledBuffer()
    private var reads = HeldReads()
    private var decoder = ResponseDecoder()
    private var requestFraming = OutgoingFraming.plain
    private let flushes: FlushBatch

    init(flushes: FlushBatch) {
        self.flushes = flushes
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }
    func pauseReads() { reads.pause() }
    func resumeReads() { reads.resume(context) }

    /// Writes a request head (flushed by `flush`).
    func send(_ head: UpstreamRequestHead) {
        guard let context else { return }
        decoder.answersHead = head.method == .HEAD
        requestFraming = head.framing
        let bytes = MessageWriter.requestHead(head, buffers: &heads)
        context.write(wrapOutboundOut(bytes), promise: nil)
        heads.recycle(bytes)
    }

    /// Writes one part of a request (flushed by `flush`).
    func send(_ part: UpstreamRequestPart) {
        guard let context else { return }
        switch part {
        case .head(let head):
            send(head)
        case .body(let data):
            context.write(wrapOutboundOut(requestFraming.frame(data, allocator: allocator)), promise: nil)
        case .end:
            if let end = requestFraming.end(allocator: allocator) { context.write(wrapOutboundOut(end), promise: nil) }
        }
    }

    /// Flushes what was sent, with the other writes of this loop turn.
    func flush() { if let context { flushes.flushRequests(context) } }

    /// Bytes taken from the socket so far (counted here for a plain connection, by `ReceivedBytesCounter` in front
    /// of TLS for an encrypted one): what the kernel has received beyond it is waiting unread.
    let received = ReceivedBytes()
    private var countsReads = true

    /// Called when a handler in front (TLS) counts the socket's bytes instead.
    func countedInFront() { countsReads = false }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if countsReads { received.count &+= UInt64(unwrapInboundIn(data).readableBytes) }
        // Loaded once: each load of a weak reference costs atomic operations.
        guard let sink else {
            // Bytes on a connection nobody is using (an idle one in the pool): it is not fit to reuse.
            reusable = false
            return context.close(promise: nil)
        }
        decoder.receive(unwrapInboundIn(data))
        do {
            while let part = try decoder.next() {
                switch part {
                case .head(let head):
                    if !head.isKeepAlive { reusable = false }
                case .end:
                    // Bytes after the answer's end belong to no request: the connection cannot be trusted again.
                    if decoder.hasLeftover { reusable = false }
                    sink.upstreamReceived(part)
                    return
                case .body:
                    break
                }
                sink.upstreamReceived(part)
                // The sink may have let the connection go (a client that left) while handling the part.
                guard self.sink === sink else { return }
            }
        } catch {
            reusable = false
            sink.upstreamFailed(error)
            context.close(promise: nil)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        reads.next(context)
        context.fireChannelActive()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        sink?.upstreamReadComplete()
        reads.next(context)
        context.fireChannelReadComplete()
    }

    /// The channel's writability, as its events tell it (asking the channel costs a trip through the pipeline).
    private(set) var isWritable = true

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        isWritable = context.channel.isWritable
        sink?.upstreamWritabilityChanged(isWritable)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        reusable = false
        sink?.upstreamFailed(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        reusable = false
        // An answer framed by the close itself is complete now; anything else was cut short.
        if let end = decoder.closed() { sink?.upstreamReceived(end) }
        sink?.upstreamFailed(ChannelError.eof)
        sink = nil
        context.fireChannelInactive()
    }
}

typealias UpstreamResponsePart = MessagePart<RawResponseHead>
typealias UpstreamRequestPart = MessagePart<UpstreamRequestHead>

/// An open upstream connection and its handler.
struct UpstreamConnection {
    let channel: any Channel
    let handler: UpstreamHandler

    /// Whether the upstream has sent bytes that nobody asked for and the gateway has not read yet: on an idle
    /// connection they are a stray or forged answer, which would otherwise become the answer to the next request sent
    /// on it (another client's). Asks the kernel how many bytes it has received (`tcp_info`) and compares with what was
    /// read. Called on the connection's event loop, where the answer is immediate.
    var hasUnreadBytes: Bool {
        guard let provider = channel as? SocketOptionProvider else { return false }
        let unread = UnreadCheck()
        let read = handler.received.count
        provider.unsafeGetSocketOption(level: .tcp, name: .tcp_info).assumeIsolated().whenComplete { (result: Result<KernelTCPInfo, any Error>) in
            switch result {
            case .success(let info): unread.answer = info.bytesReceived > read
            case .failure: unread.answer = true  // a socket that cannot say is not trusted with another client's request
            }
        }
        return unread.answer ?? true
    }

    private final class UnreadCheck { var answer: Bool? }
}

/// How many bytes an upstream connection has taken from its socket.
final class ReceivedBytes {
    var count: UInt64 = 0
}

/// Counts the bytes of an encrypted upstream connection as they come off the socket, before TLS reads them.
final class ReceivedBytesCounter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let received: ReceivedBytes

    init(_ received: ReceivedBytes) { self.received = received }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received.count &+= UInt64(unwrapInboundIn(data).readableBytes)
        context.fireChannelRead(data)
    }
}

/// Linux's `struct tcp_info` up to `tcpi_bytes_received` (Linux 4.1 and later); glibc's copy of the struct stops before
/// it. A kernel that fills less leaves it 0, which makes every idle connection look clean, as before this check.
struct KernelTCPInfo: Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                        UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    /// `tcpi_bytes_received`, at byte offset 128: the bytes received in order (read or not).
    var bytesReceived: UInt64 { words.16 }
}

/// Idle keep-alive connections to each upstream, one pool per event loop so that a client connection
/// and its upstream connection always share a loop (no thread hops, no locks on the hot path).
/// Confined to its event loop: debug builds check every call is made there.
final class UpstreamPool: @unchecked Sendable {
    let eventLoop: any EventLoop
    /// A class per upstream, so taking and returning a connection changes its array in place (a dictionary's
    /// array changed through the dictionary was copied).
    private final class IdleConnections {
        var connections: [UpstreamConnection] = []
    }

    private var idle: [String: IdleConnections] = [:]
    /// The list last used, and for which upstream: most gateways have one upstream per route, so this spares
    /// hashing its key twice a request.
    private var last: (upstream: GatewayConfiguration.Upstream, list: IdleConnections)?
    /// The loop's writes to clients and upstreams are flushed together at the end of each turn.
    let flushes: FlushBatch

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        flushes = FlushBatch(eventLoop: eventLoop)
    }

    /// An idle connection to `upstream` that is still open, if there is one.
    func idleConnection(to upstream: GatewayConfiguration.Upstream) -> UpstreamConnection? {
        eventLoop.assertInEventLoop()
        let list = idleList(upstream)
        // A connection the upstream closed while idle has seen `channelInactive`, which made it unfit to reuse; one with
        // bytes waiting that the loop has not read yet is closed too.
        while let connection = list.connections.popLast() {
            guard connection.handler.reusable else { continue }
            guard !connection.hasUnreadBytes else {
                connection.channel.close(promise: nil)
                continue
            }
            return connection
        }
        return nil
    }

    /// A new connection to `upstream`.
    func connect(_ upstream: GatewayConfiguration.Upstream, tls: NIOSSLContext?) -> EventLoopFuture<UpstreamConnection> {
        eventLoop.assertInEventLoop()
        let handler = UpstreamHandler(flushes: flushes)
        let host = upstream.url.host ?? "127.0.0.1"
        let port = upstream.url.port ?? (upstream.url.scheme == "https" ? 443 : 80)
        return ClientBootstrap(group: eventLoop)
            .connectTimeout(.milliseconds(Int64(upstream.connectTimeout * 1000)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            // The handler asks for each read itself (`HeldReads`).
            .channelOption(.autoRead, value: false)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        // SNI and certificate verification for the upstream's host name (an IP address is verified, not sent as SNI).
                        let serverName = host.contains(":") || host.allSatisfy({ $0.isNumber || $0 == "." }) ? nil : host
                        handler.countedInFront()
                        try channel.pipeline.syncOperations.addHandler(ReceivedBytesCounter(handler.received))
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: host, port: port)
            .map { UpstreamConnection(channel: $0, handler: handler) }
    }

    /// Returns a connection after a complete exchange; one that cannot be reused is closed.
    func release(_ upstream: GatewayConfiguration.Upstream, _ connection: UpstreamConnection) {
        eventLoop.assertInEventLoop()
        connection.handler.sink = nil
        connection.handler.resumeReads()
        let list = idleList(upstream)
        guard connection.handler.reusable, list.connections.count < upstream.maxIdleConnections else {
            connection.channel.close(promise: nil)
            return
        }
        list.connections.append(connection)
    }

    private func idleList(_ upstream: GatewayConfiguration.Upstream) -> IdleConnections {
        if let last, last.upstream === upstream { return last.list }
        let list: IdleConnections
        if let existing = idle[upstream.poolKey] {
            list = existing
        } else {
            list = IdleConnections()
            idle[upstream.poolKey] = list
        }
        last = (upstream, list)
        return list
    }

    func closeAll() {
        eventLoop.preconditionInEventLoop()
        for connection in idle.values.flatMap(\.connections) { connection.channel.close(promise: nil) }
        idle = [:]
        last = nil
    }
}

/// The pool of each event loop.
final class UpstreamPools: Sendable {
    private let pools = NIOLockedValueBox<[ObjectIdentifier: UpstreamPool]>([:])

    func pool(for eventLoop: any EventLoop) -> UpstreamPool {
        pools.withLockedValue { pools in
            if let pool = pools[ObjectIdentifier(eventLoop)] { return pool }
            let pool = UpstreamPool(eventLoop: eventLoop)
            pools[ObjectIdentifier(eventLoop)] = pool
            return pool
        }
    }

    func closeAll() {
        for pool in pools.withLockedValue({ Array($0.values) }) { pool.eventLoop.execute { pool.closeAll() } }
    }
}
