import NIOCore

/// Reads for a channel whose `autoRead` is off: the next read is asked for after each batch, unless paused, in which
/// case it waits until resumed. (Asking directly spares the trip NIO's automatic read makes through the pipeline.)
struct HeldReads {
    private var paused = false
    private var pending = false

    /// A batch of reads is over (or the channel just became active): asks for the next, or holds it back while paused.
    mutating func next(_ context: ChannelHandlerContext) {
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
