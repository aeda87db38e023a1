import NIOCore

/// Holds back a handler's `read` calls while paused and passes on the one that waited when resumed.
struct HeldReads {
    private var paused = false
    private var pending = false

    mutating func read(_ context: ChannelHandlerContext) {
        if paused { pending = true } else { context.read() }
    }

    mutating func pause() { paused = true }

    mutating func resume(_ context: ChannelHandlerContext?) {
        paused = false
        if pending, let context {
            pending = false
            context.read()
        }
    }
}

/// Holds back reads from a client while its request body cannot be passed on (the upstream is still
/// connecting or not writable), so that a fast client never fills the gateway's memory.
final class ReadGate: ChannelOutboundHandler {
    typealias OutboundIn = NIOAny
    private var context: ChannelHandlerContext?
    private var reads = HeldReads()

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }
    func read(context: ChannelHandlerContext) { reads.read(context) }
    func pause() { reads.pause() }
    func resume() { reads.resume(context) }
}
