import Foundation

/// Takes jobs from a queue and runs them, renewing the lease while a job runs; a job whose lease is lost (the worker
/// stalled past it and another took the job) is cancelled here and its result thrown away by the queue.
public struct Worker: Sendable {
    public let name: String
    let queue: any JobQueue
    let kinds: Set<String>
    let handler: @Sendable (Job) async throws -> Void
    /// Between two heartbeats; well under the lease (a third of it by default).
    public var heartbeat: Duration
    /// How long to wait when no job may run.
    public var idle: Duration = .milliseconds(500)

    public init(name: String, queue: any JobQueue, kinds: Set<String> = [], heartbeat: Duration = .seconds(20),
                handler: @escaping @Sendable (Job) async throws -> Void) {
        self.name = name
        self.queue = queue
        self.kinds = kinds
        self.heartbeat = heartbeat
        self.handler = handler
    }

    /// Runs at most one job; false when none could be taken.
    @discardableResult
    public func runOnce() async throws -> Bool {
        guard let job = try await queue.take(worker: name, kinds: kinds, at: Date()) else { return false }
        let handler = self.handler
        let work = Task { try await handler(job) }
        let queue = self.queue, interval = heartbeat
        let beat = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                guard try await queue.heartbeat(job, at: Date()) else { return work.cancel() }
            }
        }
        let result = await work.result
        beat.cancel()
        switch result {
        case .success: _ = try await queue.succeed(job, at: Date())
        case .failure(let error): _ = try await queue.fail(job, error: String(describing: error).prefix(500).description, at: Date())
        }
        return true
    }

    /// Runs jobs until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            let worked = (try? await runOnce()) ?? false
            if !worked { try? await Task.sleep(for: idle) }
        }
    }
}
