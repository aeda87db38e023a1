import Foundation
import NIOConcurrencyHelpers
@testable import RampartServer
import Testing

private let t0 = Date(timeIntervalSince1970: 1_800_000_000)

@Test func oneTenantCannotStarveTheOthersNorHammerOneTarget() async throws {
    let queue = InMemoryJobQueue(limits: JobLimits(perOrganization: 2, perTarget: 1))
    for index in 0..<6 { await queue.enqueue(Job(id: "big-\(index)", organization: "big", target: "host-\(index % 3)", kind: "rate")) }
    await queue.enqueue(Job(id: "small-0", organization: "small", target: "api.small", kind: "rate"))
    var taken: [String] = []
    while let job = await queue.take(worker: "w", kinds: [], at: t0) { taken.append(job.id) }
    // Two of the big tenant's (on different hosts), then the small tenant's, though it was queued last.
    #expect(taken == ["big-0", "big-1", "small-0"])
    #expect(await queue.take(worker: "w", kinds: ["scan"], at: t0) == nil)
}

/// A worker that dies mid-job stops renewing its lease: once it expires, another worker takes the job, and the dead
/// one's late completion is refused, so the job completes once.
@Test func aDeadWorkersJobGoesToAnotherAndCompletesOnce() async throws {
    let queue = InMemoryJobQueue(limits: JobLimits(lease: 60))
    await queue.enqueue(Job(id: "j", organization: "o", target: "t", kind: "rate"))
    let first = try #require(await queue.take(worker: "a", kinds: [], at: t0))
    #expect(await queue.heartbeat(first, at: t0.addingTimeInterval(30)), "renewed until 90 s")
    #expect(await queue.take(worker: "b", kinds: [], at: t0.addingTimeInterval(80)) == nil, "still leased")
    let second = try #require(await queue.take(worker: "b", kinds: [], at: t0.addingTimeInterval(91)))
    #expect(second.attempts == 2 && second.lease?.worker == "b")
    #expect(await !queue.succeed(first, at: t0.addingTimeInterval(92)), "the old lease completes nothing")
    #expect(await !queue.heartbeat(first, at: t0.addingTimeInterval(92)))
    #expect(await queue.succeed(second, at: t0.addingTimeInterval(93)))
    #expect(await queue.job("j")?.state == .succeeded)
}

@Test func failuresAreRetriedWithBackOffThenFailForGood() async throws {
    let queue = InMemoryJobQueue(limits: JobLimits(retryBase: 30))
    await queue.enqueue(Job(id: "j", organization: "o", target: "t", kind: "scan", maxAttempts: 3))
    var job = try #require(await queue.take(worker: "w", kinds: [], at: t0))
    #expect(await queue.fail(job, error: "connection refused", at: t0))
    #expect(await queue.take(worker: "w", kinds: [], at: t0.addingTimeInterval(29)) == nil, "30 s back-off")
    job = try #require(await queue.take(worker: "w", kinds: [], at: t0.addingTimeInterval(30)))
    #expect(await queue.fail(job, error: "connection refused", at: t0.addingTimeInterval(30)))
    #expect(await queue.take(worker: "w", kinds: [], at: t0.addingTimeInterval(89)) == nil, "then 60 s")
    job = try #require(await queue.take(worker: "w", kinds: [], at: t0.addingTimeInterval(90)))
    #expect(await queue.fail(job, error: "connection refused", at: t0.addingTimeInterval(90)))
    let stored = try #require(await queue.job("j"))
    #expect(stored.state == .failed && stored.attempts == 3 && stored.lastError == "connection refused")
}

/// Real workers, real time: three of them share 30 jobs; every job runs to completion exactly once, and a job that
/// throws is retried.
@Test func workersShareTheQueueAndEachJobCompletesOnce() async throws {
    // A production-length lease: a worker starved past it (the lease-loss path is the test above) would run a job
    // another worker then also runs; the queue records one completion, but the handler would count two here.
    let queue = InMemoryJobQueue(limits: JobLimits(perOrganization: 10, perTarget: 1, lease: 60, retryBase: 0.05))
    for index in 0..<30 { await queue.enqueue(Job(id: "j\(index)", organization: "o\(index % 3)", target: "t\(index)", kind: "rate")) }
    let completions = NIOLockedValueBox<[String: Int]>([:])
    let failedOnce = NIOLockedValueBox<Set<String>>([])
    let workers = (0..<3).map { number in
        Worker(name: "w\(number)", queue: queue, heartbeat: .milliseconds(100)) { job in
            try await Task.sleep(for: .milliseconds(Int.random(in: 1...20)))
            // Every fifth job fails on its first attempt.
            if job.id.hasSuffix("5"), failedOnce.withLockedValue({ $0.insert(job.id).inserted }) { throw CancellationError() }
            completions.withLockedValue { $0[job.id, default: 0] += 1 }
        }
    }
    await withTaskGroup(of: Void.self) { group in
        for var worker in workers {
            worker.idle = .milliseconds(20)
            group.addTask { await worker.run() }
        }
        // Nominally a fraction of a second; the bound leaves room for a suite that keeps both cores busy.
        let deadline = ContinuousClock.now + .seconds(120)
        while completions.withLockedValue({ $0.count }) < 30, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        group.cancelAll()
    }
    #expect(completions.withLockedValue { $0 }.count == 30 && completions.withLockedValue { $0 }.values.allSatisfy { $0 == 1 })
    for index in 0..<30 { #expect(await queue.job("j\(index)")?.state == .succeeded) }
    #expect(failedOnce.withLockedValue { $0 } == ["j5", "j15", "j25"])
}
