import Foundation

/// At most `permits` holders at once; the rest wait in order.
actor AsyncSemaphore {
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(permits: Int) {
        available = permits
    }

    func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            available += 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}

/// Spaces requests evenly at `perSecond`: each caller is given the next free slot and sleeps until it.
actor RatePacer {
    private let interval: Duration
    private var next = ContinuousClock.now

    init(perSecond: Double) {
        interval = .nanoseconds(Int64(1_000_000_000 / max(perSecond, 0.001)))
    }

    func slot() -> ContinuousClock.Instant {
        let now = ContinuousClock.now
        let slot = max(now, next)
        next = slot + interval
        return slot
    }
}
