import NIOCore

/// Holds back reads from a client while its request body cannot be passed on (the upstream is still
/// connecting or not writable), so that a fast client never fills the gateway's memory.
final class ReadGate: ChannelOutboundHandler {
    typealias OutboundIn = NIOAny
    private var context: ChannelHandlerContext?
    private var paused = false
    private var pending = false

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func read(context: ChannelHandlerContext) {
        if paused { pending = true } else { context.read() }
    }

    func pause() { paused = true }

    func resume() {
        paused = false
        if pending, let context {
            pending = false
            context.read()
        }
    }
}
