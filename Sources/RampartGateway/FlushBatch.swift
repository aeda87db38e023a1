import NIOCore

/// The flushes asked for while an event loop handles one batch of ready sockets, done together once the batch is over.
///
/// A small write to a peer that sleeps in `epoll_wait` pays for waking it, and on this kind of machine the wake-up
/// costs more than the write. Flushing each request and answer as soon as it is ready woke the upstream and the
/// client once per request; flushing a batch's writes in one burst wakes each once per batch (HAProxy does the same:
/// it receives, processes, then sends). The writes keep their order; only their syscalls move to the batch's end.
/// Confined to its event loop.
final class FlushBatch {
    private let eventLoop: any EventLoop
    private var waiting: [ChannelHandlerContext] = []
    /// The list being flushed, kept to reuse its storage.
    private var flushing: [ChannelHandlerContext] = []

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Flushes `context` when the loop has handled the sockets that are ready now.
    func flush(_ context: ChannelHandlerContext) {
        // NIO runs tasks after the I/O events of the current loop turn.
        if waiting.isEmpty { eventLoop.execute { self.flushAll() } }
        waiting.append(context)
    }

    private func flushAll() {
        swap(&waiting, &flushing)
        for context in flushing { context.flush() }
        flushing.removeAll(keepingCapacity: true)
    }
}
