// Two floors for a one-thread NIO proxy in front of one upstream, each client connection paired with its
// own upstream connection (cheaper than any pool):
//   NIOFloor relay LISTEN_PORT UPSTREAM_PORT   bytes copied both ways, no HTTP at all
//   NIOFloor http  LISTEN_PORT UPSTREAM_PORT   NIO's HTTP/1.1 codecs on both sides, heads passed through
//                                              with one header added and one removed
import NIOCore
import NIOHTTP1
import NIOPosix

/// Copies what one channel reads to its peer.
final class Relay: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    var peer: Channel?
    private var waiting: [ByteBuffer] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        if let peer { peer.writeAndFlush(bytes, promise: nil) } else { waiting.append(bytes) }
    }

    func connected(to peer: Channel) {
        self.peer = peer
        for bytes in waiting { peer.writeAndFlush(bytes, promise: nil) }
        waiting = []
    }

    func channelInactive(context: ChannelHandlerContext) { peer?.close(promise: nil) }
}

/// The client side of the HTTP floor: request parts go to the upstream as they are.
final class RequestForwarder: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    private var upstream: Channel?
    private var waiting: [HTTPClientRequestPart] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part: HTTPClientRequestPart
        switch unwrapInboundIn(data) {
        case .head(var head):
            head.headers.replaceOrAdd(name: "X-Forwarded-For", value: "127.0.0.1")
            part = .head(head)
        case .body(let bytes): part = .body(.byteBuffer(bytes))
        case .end(let trailers): part = .end(trailers)
        }
        guard let upstream else { return waiting.append(part) }
        upstream.write(part, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) { upstream?.flush() }

    func connected(to upstream: Channel) {
        self.upstream = upstream
        for part in waiting { upstream.write(part, promise: nil) }
        upstream.flush()
        waiting = []
    }

    func channelInactive(context: ChannelHandlerContext) { upstream?.close(promise: nil) }
}

/// The upstream side of the HTTP floor: response parts go back to the client.
final class ResponseForwarder: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    let client: Channel
    init(client: Channel) { self.client = client }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(var head):
            head.headers.remove(name: "Server")
            client.write(HTTPServerResponsePart.head(HTTPResponseHead(version: head.version, status: head.status, headers: head.headers)), promise: nil)
        case .body(let bytes): client.write(HTTPServerResponsePart.body(.byteBuffer(bytes)), promise: nil)
        case .end(let trailers): client.writeAndFlush(HTTPServerResponsePart.end(trailers), promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) { client.close(promise: nil) }
}

let arguments = CommandLine.arguments
guard arguments.count == 4, ["relay", "http"].contains(arguments[1]), let port = Int(arguments[2]), let upstreamPort = Int(arguments[3]) else {
    print("usage: NIOFloor relay|http LISTEN_PORT UPSTREAM_PORT")
    exit(2)
}
let relay = arguments[1] == "relay"
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

func connectUpstream(on loop: EventLoop, _ initialize: @escaping @Sendable (Channel) -> EventLoopFuture<Void>) -> EventLoopFuture<Channel> {
    ClientBootstrap(group: loop).channelOption(.socketOption(.tcp_nodelay), value: 1).channelInitializer(initialize)
        .connect(host: "127.0.0.1", port: upstreamPort)
}

let server = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { client in
        if relay {
            let forward = Relay()
            return client.pipeline.addHandler(forward).flatMap {
                connectUpstream(on: client.eventLoop) { upstream in
                    let back = Relay()
                    back.peer = client
                    return upstream.pipeline.addHandler(back)
                }.map { forward.connected(to: $0) }
            }
        }
        let forward = RequestForwarder()
        return client.pipeline.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: false).flatMap {
            client.pipeline.addHandler(forward)
        }.flatMap {
            connectUpstream(on: client.eventLoop) { upstream in
                upstream.pipeline.addHTTPClientHandlers().flatMap { upstream.pipeline.addHandler(ResponseForwarder(client: client)) }
            }.map { forward.connected(to: $0) }
        }
    }
    .bind(host: "127.0.0.1", port: port).wait()
try server.closeFuture.wait()
