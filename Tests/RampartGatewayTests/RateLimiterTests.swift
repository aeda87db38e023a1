import RampartGateway
import Testing

@Test func aBurstIsAllowedThenTheSustainedRate() {
    let store = InMemoryRateLimitStore()
    let limit = RateLimit(limit: 5, period: 1)   // 5/s, bursts of 5
    let burst = (0..<6).map { _ in store.take("sub:alice", limit, now: 100) }
    #expect(burst.prefix(5).allSatisfy { $0.allowed })
    #expect(burst.map(\.remaining).prefix(5) == [4, 3, 2, 1, 0])
    #expect(!burst[5].allowed)
    #expect(abs((burst[5].retryAfter ?? 0) - 0.2) < 1e-6, "one request frees up every 200 ms")
    #expect(!store.take("sub:alice", limit, now: 100.19).allowed)
    #expect(store.take("sub:alice", limit, now: 100.2).allowed)
    #expect(store.take("sub:bob", limit, now: 100.2).allowed, "keys are independent")
}

@Test func theAllowanceRefillsCompletely() {
    let store = InMemoryRateLimitStore()
    let limit = RateLimit(limit: 10, period: 60, burst: 2)
    #expect(store.take("k", limit, now: 0).allowed)
    #expect(store.take("k", limit, now: 0).allowed)
    let refused = store.take("k", limit, now: 0)
    #expect(!refused.allowed && abs((refused.retryAfter ?? 0) - 6) < 1e-6)
    let later = store.take("k", limit, now: 60)
    #expect(later.allowed && later.remaining == 1)
}

@Test func aSustainedClientGetsExactlyTheRate() {
    let store = InMemoryRateLimitStore()
    let limit = RateLimit(limit: 100, period: 1, burst: 10)
    // 1,000 requests spread evenly over 5 seconds: 500 fit the rate, plus the burst.
    let allowed = (0..<1000).filter { store.take("ip:10.0.0.1", limit, now: Double($0) * 0.005).allowed }.count
    #expect((505...511).contains(allowed), "\(allowed)")
}

@Test func idleKeysAreSweptAway() {
    let store = InMemoryRateLimitStore(shards: 1, sweepThreshold: 100)
    let limit = RateLimit(limit: 1, period: 1)
    for index in 0..<150 { _ = store.take("k\(index)", limit, now: 0) }
    _ = store.take("late", limit, now: 10)
    #expect(store.trackedKeys < 100)
}
