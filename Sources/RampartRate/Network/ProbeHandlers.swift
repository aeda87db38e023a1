import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOSSL
import NIOTLS

/// Why a probe did not get what it asked for.
public enum ProbeError: Error, CustomStringConvertible, Sendable {
    case unreachable(String)
    case closedEarly

    public var description: String {
        switch self {
        case .unreachable(let reason): "unreachable: \(reason)"
        case .closedEarly: "connection closed or timed out before a complete answer"
        }
    }
}

/// A promise that many parties may try to complete (handlers, timeouts, connect failures); the first wins.
/// NIO treats completing a promise twice, or never, as a programmer error.
final class OncePromise<Value: Sendable>: Sendable {
    let promise: EventLoopPromise<Value>
    private let completed = NIOLockedValueBox(false)

    init(on loop: EventLoop) { promise = loop.makePromise(of: Value.self) }

    func complete(_ result: Result<Value, Error>) {
        let first = completed.withLockedValue { done in
            defer { done = true }
            return !done
        }
        if first { promise.completeWith(result) }
    }

    var future: EventLoopFuture<Value> { promise.futureResult }
}

/// Completes when the TLS handshake finishes, or fails with the first error or close.
/// Timeouts close the channel, which lands here as `channelInactive`.
final class HandshakeWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    private let once: OncePromise<Void>

    init(_ once: OncePromise<Void>) { self.once = once }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { finish(.success(())) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        finish(.failure(error))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(ProbeError.closedEarly))
        context.fireChannelInactive()
    }

    private func finish(_ result: Result<Void, Error>) { once.complete(result) }
}

/// The parts of an HTTP response a rating needs; the body is kept only up to a limit.
public struct ResponseParts: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
}

/// Collects one HTTP response, completing once on `.end`, error or close.
final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    private let once: OncePromise<ResponseParts>
    private let maxBody: Int
    private var parts: ResponseParts?

    init(_ once: OncePromise<ResponseParts>, maxBody: Int) {
        self.once = once
        self.maxBody = maxBody
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            parts = ResponseParts(status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) }, body: [])
        case .body(var buffer):
            let room = maxBody - (parts?.body.count ?? maxBody)
            if room > 0, let bytes = buffer.readBytes(length: min(room, buffer.readableBytes)) { parts?.body += bytes }
        case .end:
            if let parts { finish(.success(parts)) }
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        finish(.failure(error))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A server that closes instead of ending the body still gave us its head.
        if let parts { finish(.success(parts)) } else { finish(.failure(ProbeError.closedEarly)) }
        context.fireChannelInactive()
    }

    private func finish(_ result: Result<ResponseParts, Error>) { once.complete(result) }
}
