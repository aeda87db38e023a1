import NIOConcurrencyHelpers

/// `limit` requests per `period` seconds, with bursts of up to `burst` at once.
public struct RateLimit: Sendable, Hashable {
    public var limit: Int
    public var period: Double
    public var burst: Int

    public init(limit: Int, period: Double, burst: Int? = nil) {
        self.limit = max(1, limit)
        self.period = max(0.001, period)
        self.burst = max(1, burst ?? limit)
    }

    /// Seconds between two requests at the sustained rate.
    var emissionInterval: Double { period / Double(limit) }
}

/// One answer of a limiter, with what the IETF RateLimit headers and Retry-After need.
public struct RateDecision: Sendable, Equatable {
    public var allowed: Bool
    /// Requests still allowed right now.
    public var remaining: Int
    /// Seconds until the allowance is full again.
    public var reset: Double
    /// When refused: seconds until one more request would be allowed.
    public var retryAfter: Double?
}

/// Where limiter state lives. In memory here; a shared store (Redis) can implement the same protocol.
public protocol RateLimitStore: Sendable {
    /// Counts one request under `key` at time `now` (seconds on a monotonic clock) and decides.
    func take(_ key: String, _ limit: RateLimit, now: Double) -> RateDecision
}

/// GCRA (the generic cell rate algorithm): one number per key, the theoretical arrival time of the
/// next request; no counters to reset and no burst at window edges. Keys are spread over locked shards.
public final class InMemoryRateLimitStore: RateLimitStore {
    private let shards: [NIOLockedValueBox<[String: Double]>]
    /// A shard larger than this drops its keys that are back to a full allowance.
    private let sweepThreshold: Int

    public init(shards: Int = 16, sweepThreshold: Int = 10_000) {
        self.shards = (0..<max(1, shards)).map { _ in NIOLockedValueBox([:]) }
        self.sweepThreshold = sweepThreshold
    }

    public func take(_ key: String, _ limit: RateLimit, now: Double) -> RateDecision {
        let shard = shards[Self.shard(of: key, among: shards.count)]
        let interval = limit.emissionInterval
        let tolerance = interval * Double(limit.burst)
        return shard.withLockedValue { arrivals in
            // One hash of the key to read and to write back (a known key is changed in place).
            let known = arrivals.index(forKey: key)
            let arrival = max(known.map { arrivals.values[$0] } ?? now, now)
            let next = arrival + interval
            if next - now > tolerance + 1e-9 {
                let wait = next - tolerance - now
                return RateDecision(allowed: false, remaining: 0, reset: arrival - now, retryAfter: wait)
            }
            if let known { arrivals.values[known] = next } else { arrivals[key] = next }
            if arrivals.count > sweepThreshold { arrivals = arrivals.filter { $0.value > now } }
            let remaining = Int(((tolerance - (next - now)) / interval + 1e-9).rounded(.down))
            return RateDecision(allowed: true, remaining: remaining, reset: next - now, retryAfter: nil)
        }
    }

    /// The shard of a key: FNV-1a over its last 16 bytes, where keys differ (the client, the subject), cheaper
    /// than the dictionary's own hash of the whole key that follows.
    static func shard(of key: String, among count: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8.suffix(16) { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(hash % UInt64(count))
    }

    /// Keys currently tracked (for tests and metrics).
    public var trackedKeys: Int { shards.reduce(0) { $0 + $1.withLockedValue(\.count) } }
}
