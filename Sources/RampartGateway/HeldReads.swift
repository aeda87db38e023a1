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
