import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// An out-of-band HTTP listener on 127.0.0.1: SSRF checks hand the target a URL here with a unique token
/// and count a finding only when the target really calls it.
public final class CallbackListener: Sendable {
    public let port: Int
    private let channel: any Channel
    private let hits: NIOLockedValueBox<[String: String]>

    private init(channel: any Channel, hits: NIOLockedValueBox<[String: String]>) {
        self.channel = channel
        self.hits = hits
        port = channel.localAddress?.port ?? 0
    }

    public static func start(host: String = "127.0.0.1") async throws -> CallbackListener {
        let hits = NIOLockedValueBox<[String: String]>([:])
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Recorder(hits: hits))
                }
            }
            .bind(host: host, port: 0).get()
        return CallbackListener(channel: channel, hits: hits)
    }

    /// A fresh URL to hand out, and its token.
    public func newURL(host: String = "127.0.0.1") -> (url: String, token: String) {
        let token = "rampart-" + UUID().uuidString.prefix(12).lowercased()
        return ("http://\(host):\(port)/\(token)", token)
    }

    /// Whether the token was requested, waiting up to `timeout` for it; returns the request line.
    public func wait(for token: String, timeout: Duration = .seconds(3)) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = hits.withLockedValue({ $0[token] }) { return line }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return hits.withLockedValue { $0[token] }
    }

    public func stop() async {
        try? await channel.close()
    }

    private final class Recorder: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let hits: NIOLockedValueBox<[String: String]>

        init(hits: NIOLockedValueBox<[String: String]>) { self.hits = hits }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                let token = head.uri.split(separator: "/").first { $0.hasPrefix("rampart-") }.map { String($0.prefix(20)) }
                if let token {
                    let line = "\(head.method.rawValue) \(head.uri) (User-Agent: \(head.headers.first(name: "User-Agent") ?? "-"))"
                    hits.withLockedValue { $0[token] = line }
                }
            case .body:
                break
            case .end:
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: "0")
                headers.add(name: "Connection", value: "close")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
            }
        }
    }
}
