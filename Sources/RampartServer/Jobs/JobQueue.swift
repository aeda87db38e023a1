import Foundation

/// One run for a worker to do: rate a host, audit a description, scan an API, import traffic.
public struct Job: Codable, Sendable, Equatable {
    public var id: String
    public var organization: String
    /// What the job works on (a host, an API): at most `perTarget` jobs of one target run at once.
    public var target: String
    public var kind: String
    public var payload: String
    public var state: State
    public var attempts = 0
    public var maxAttempts: Int
    /// Not taken before this time (a retry's back-off).
    public var notBefore: Date
    public var lease: Lease?
    public var lastError: String?

    public enum State: String, Codable, Sendable {
        case queued, running, succeeded, failed
    }

    /// Who holds a running job and until when; a worker that stops renewing it loses it when it expires.
    public struct Lease: Codable, Sendable, Equatable {
        public var worker: String
        /// Changes with every take, so a worker whose lease expired cannot complete the job another now holds.
        public var token: String
        public var expires: Date
    }

    public init(id: String = UUID().uuidString.lowercased(), organization: String, target: String, kind: String, payload: String = "",
                maxAttempts: Int = 3, notBefore: Date = .distantPast) {
        self.id = id
        self.organization = organization
        self.target = target
        self.kind = kind
        self.payload = payload
        self.state = .queued
        self.maxAttempts = maxAttempts
        self.notBefore = notBefore
    }
}

/// How many jobs may run at once for one organization and for one target, so one tenant cannot starve the rest.
public struct JobLimits: Sendable, Equatable {
    public var perOrganization: Int
    public var perTarget: Int
    /// How long a lease lasts without a heartbeat.
    public var lease: TimeInterval
    /// Back-off before attempt n + 1: `retryBase × 2^(n − 1)`, at most `retryCap`.
    public var retryBase: TimeInterval
    public var retryCap: TimeInterval

    public init(perOrganization: Int = 4, perTarget: Int = 1, lease: TimeInterval = 60, retryBase: TimeInterval = 30, retryCap: TimeInterval = 3_600) {
        self.perOrganization = perOrganization
        self.perTarget = perTarget
        self.lease = lease
        self.retryBase = retryBase
        self.retryCap = retryCap
    }

    public func backoff(afterAttempt attempt: Int) -> TimeInterval {
        min(retryCap, retryBase * pow(2, Double(max(0, attempt - 1))))
    }
}

/// The job queue's rules, whatever stores it: take the oldest due job whose organization and target are under their
/// limits (a running job whose lease expired counts as queued again: its worker died), renew leases, and complete or
/// fail only under the lease one holds. The SQL stores implement the same rules in one statement each
/// (`FOR UPDATE SKIP LOCKED` on PostgreSQL); `InMemoryJobQueue` implements them for one process and for tests.
public protocol JobQueue: Sendable {
    func enqueue(_ job: Job) async throws
    /// The next job for `worker`, leased to it; nil when none may run now.
    func take(worker: String, kinds: Set<String>, at now: Date) async throws -> Job?
    /// Extends the lease; false when the worker no longer holds it (it expired and another took the job).
    func heartbeat(_ job: Job, at now: Date) async throws -> Bool
    /// Marks the job done; false (and nothing changed) when the worker no longer holds its lease.
    func succeed(_ job: Job, at now: Date) async throws -> Bool
    /// Records a failure: queued again after the back-off, or failed for good after its last attempt.
    func fail(_ job: Job, error: String, at now: Date) async throws -> Bool
    func job(_ id: String) async throws -> Job?
}

/// The queue in memory: for `rampart serve` on one machine without a database, and for tests of the rules.
public actor InMemoryJobQueue: JobQueue {
    private var jobs: [String: Job] = [:]
    private var order: [String] = []
    public let limits: JobLimits

    public init(limits: JobLimits = JobLimits()) { self.limits = limits }

    public func enqueue(_ job: Job) {
        if jobs[job.id] == nil { order.append(job.id) }
        jobs[job.id] = job
    }

    public func take(worker: String, kinds: Set<String>, at now: Date) -> Job? {
        // Running jobs whose lease ran out have lost their worker: they are queued again (their attempt counted).
        for id in order where jobs[id]?.state == .running && jobs[id]!.lease.map({ $0.expires <= now }) == true {
            jobs[id]!.state = .queued
            jobs[id]!.lease = nil
            jobs[id]!.lastError = "the worker's lease expired"
            if jobs[id]!.attempts >= jobs[id]!.maxAttempts { jobs[id]!.state = .failed }
        }
        let running = jobs.values.filter { $0.state == .running }
        for id in order {
            guard let job = jobs[id], job.state == .queued, job.notBefore <= now, kinds.isEmpty || kinds.contains(job.kind),
                  running.count(where: { $0.organization == job.organization }) < limits.perOrganization,
                  running.count(where: { $0.target == job.target }) < limits.perTarget else { continue }
            var taken = job
            taken.state = .running
            taken.attempts += 1
            taken.lease = Job.Lease(worker: worker, token: UUID().uuidString, expires: now.addingTimeInterval(limits.lease))
            jobs[id] = taken
            return taken
        }
        return nil
    }

    public func heartbeat(_ job: Job, at now: Date) -> Bool {
        guard holds(job, at: now) else { return false }
        jobs[job.id]!.lease!.expires = now.addingTimeInterval(limits.lease)
        return true
    }

    public func succeed(_ job: Job, at now: Date) -> Bool {
        guard holds(job, at: now) else { return false }
        jobs[job.id]!.state = .succeeded
        jobs[job.id]!.lease = nil
        return true
    }

    public func fail(_ job: Job, error: String, at now: Date) -> Bool {
        guard holds(job, at: now), var stored = jobs[job.id] else { return false }
        stored.lease = nil
        stored.lastError = error
        if stored.attempts >= stored.maxAttempts {
            stored.state = .failed
        } else {
            stored.state = .queued
            stored.notBefore = now.addingTimeInterval(limits.backoff(afterAttempt: stored.attempts))
        }
        jobs[job.id] = stored
        return true
    }

    public func job(_ id: String) -> Job? { jobs[id] }

    /// Whether `job`'s lease (its token) is still the one stored, and unexpired.
    private func holds(_ job: Job, at now: Date) -> Bool {
        guard let stored = jobs[job.id], stored.state == .running, let lease = stored.lease, let mine = job.lease else { return false }
        return lease.token == mine.token && lease.expires > now
    }
}
