import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers
import RampartCore

/// One decision of the gateway, as the audit log records it. No credentials and no query strings.
public struct AuditEntry: Codable, Sendable, Equatable {
    public var time: String
    public var client: String
    public var identity: String?
    public var route: String?
    public var method: String
    public var path: String
    /// allow, deny (a policy said no), reject (malformed or unroutable) or error (upstream failed).
    public var decision: String
    public var reason: String?
    public var status: Int
    public var latencyMs: Double
    public var bytes: Int
    public var correlation: String
    /// On a route with `graphql:`: the operation (`query getUser`) and its cost.
    public var operation: String?
    public var cost: Int?
    /// The chain value of the previous line (64 zeros for the first): its SHA-256, or its HMAC-SHA256 under the
    /// log's key when it has one.
    public var prev: String = ""

    public init(time: String, client: String, identity: String?, route: String?, method: String, path: String, decision: String,
                reason: String?, status: Int, latencyMs: Double, bytes: Int, correlation: String, operation: String? = nil, cost: Int? = nil) {
        self.operation = operation
        self.cost = cost
        self.time = time
        self.client = client
        self.identity = identity
        self.route = route
        self.method = method
        self.path = path
        self.decision = decision
        self.reason = reason
        self.status = status
        self.latencyMs = latencyMs
        self.bytes = bytes
        self.correlation = correlation
    }

    enum CodingKeys: String, CodingKey {
        case time, client, identity, route, method, path, decision, reason, status, latencyMs = "latency_ms", bytes, correlation, operation, cost, prev
    }

    /// The line's JSON (keys sorted) in the two pieces that stand before and after `"prev"`, built by hand: the
    /// event loops encode every decision, and Foundation's encoder is several times slower.
    func encodedAroundPrev() -> (before: String, after: String) {
        var before = "{\"bytes\":\(bytes),\"client\":" + Self.quoted(client) + ",\"correlation\":" + Self.quoted(correlation)
        if let cost { before += ",\"cost\":\(cost)" }
        before += ",\"decision\":" + Self.quoted(decision)
        if let identity { before += ",\"identity\":" + Self.quoted(identity) }
        before += ",\"latency_ms\":\(latencyMs),\"method\":" + Self.quoted(method)
        if let operation { before += ",\"operation\":" + Self.quoted(operation) }
        before += ",\"path\":" + Self.quoted(path) + ","
        var after = ""
        if let reason { after += ",\"reason\":" + Self.quoted(reason) }
        if let route { after += ",\"route\":" + Self.quoted(route) }
        after += ",\"status\":\(status),\"time\":" + Self.quoted(time) + "}"
        return (before, after)
    }

    static func quoted(_ text: String) -> String { JSONText.quoted(text) }
}

/// How the audit log is written (`audit_log:` in gateway.yml).
public struct AuditLogSettings: Sendable, Equatable {
    public enum WhenFull: String, Sendable { case block, shed }
    public var path: String
    /// Where the secret for the keyed chain and the signed checkpoints comes from; without one the chain is plain
    /// SHA-256, which shows accidental damage but not a rewrite by someone who can write the file.
    public var keyFile: String?
    public var keyEnvironment: String?
    /// Seconds between writes of what is buffered (and the most a crash of the gateway can lose).
    public var flushInterval: Double = 0.2
    /// Seconds between signed checkpoints (while there are new lines).
    public var checkpointInterval: Double = 5
    /// Decisions held in memory before `whenFull` applies.
    public var maxBacklog: Int = 100_000
    /// `block` makes requests wait for the disk (nothing is lost); `shed` drops decisions and counts them.
    public var whenFull: WhenFull = .block

    public init(path: String) { self.path = path }

    public var hasKey: Bool { keyFile != nil || keyEnvironment != nil }
}

/// An append-only JSON-lines audit log whose lines are chained: each carries the hash (or, with a key, the HMAC) of
/// the line before it, so a changed, removed, inserted or reordered line breaks the chain. With a key, signed
/// checkpoints in `FILE.checkpoints` record how many lines there were and the last one's chain value, so truncating
/// the tail or rewriting the whole chain is found too (`rampart gateway verify-log`).
///
/// Decisions are encoded on the event loops and queued; one writer thread appends them every `flushInterval` (or
/// sooner when many wait), so a `kill -9` loses at most that interval. The queue holds at most `maxBacklog`
/// decisions. The chain's head lives in a small state file (`FILE.state`), so a restart does not read the log.
public final class AuditLog: Sendable {
    static let genesis = String(repeating: "0", count: 64)
    let path: String
    let settings: AuditLogSettings
    private let chain: Chain
    private let metrics: GatewayMetrics?
    private let queue: NIOLockedValueBox<Queue>
    private let wake = NSCondition()
    private let writer: NIOLockedValueBox<Writer>

    /// What waits to be written, guarded by `wake`'s lock (the box only satisfies Sendable).
    private struct Queue {
        var pending: [(before: String, after: String)] = []
        var dropped = 0
        /// Bumped by each pass of the writer; `flush` waits for the pass after the one it asked for.
        var passes = 0
        var flushWanted = false
        var stopping = false
        var stopped = false
    }

    /// The writer thread's own state.
    private struct Writer {
        var log: Int32
        var checkpoints: Int32
        var head: String
        var lines: Int
        var bytes: Int
        var lastCheckpoint = Date()
        var checkpointedLines: Int
    }

    /// How lines are chained: SHA-256, or HMAC-SHA256 under the log's key.
    struct Chain: Sendable {
        let key: SymmetricKey?

        func value(of line: some DataProtocol) -> String {
            if let key { return Self.hex(HMAC<SHA256>.authenticationCode(for: line, using: key)) }
            return Self.hex(SHA256.hash(data: line))
        }

        func checkpointMAC(_ text: String) -> String? {
            key.map { Self.hex(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: $0)) }
        }

        static func hex(_ bytes: some Sequence<UInt8>) -> String {
            let digits = Array("0123456789abcdef".utf8)
            var out = [UInt8]()
            out.reserveCapacity(64)
            for byte in bytes {
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0xF)])
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    public struct KeyError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The checkpoint key of `settings`, read from its file or environment variable (at least 16 bytes).
    public static func key(_ settings: AuditLogSettings, baseDirectory: String = ".") throws -> SymmetricKey? {
        var bytes: [UInt8]
        if let file = settings.keyFile {
            let path = file.hasPrefix("/") ? file : (baseDirectory as NSString).appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: path) else { throw KeyError(description: "\(file): cannot read the audit log key file") }
            bytes = [UInt8](data)
        } else if let name = settings.keyEnvironment {
            guard let value = ProcessInfo.processInfo.environment[name] else { throw KeyError(description: "the audit log key variable \(name) is not set") }
            bytes = Array(value.utf8)
        } else {
            return nil
        }
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        guard bytes.count >= 16 else { throw KeyError(description: "the audit log key must be at least 16 bytes (e.g. openssl rand -hex 32 > audit.key)") }
        return SymmetricKey(data: bytes)
    }

    /// Opens (or creates) the log and continues its chain from the head in the state file, or, if that is missing or
    /// does not match the log's size, from the log's last line (read in pieces, never whole).
    public init(settings: AuditLogSettings, key: SymmetricKey? = nil, metrics: GatewayMetrics? = nil) throws {
        path = settings.path
        self.settings = settings
        self.metrics = metrics
        chain = Chain(key: key)
        let log = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard log >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let checkpoints = open(path + ".checkpoints", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard checkpoints >= 0 else {
            Glibc.close(log)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        let size = Int((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.intValue ?? 0)
        let head: ChainHead
        if let saved = ChainHead.load(path + ".state"), saved.bytes == size {
            head = saved
        } else {
            head = try Self.scanHead(path, chain: chain)
        }
        writer = NIOLockedValueBox(Writer(log: log, checkpoints: checkpoints, head: head.head, lines: head.lines, bytes: head.bytes, checkpointedLines: head.lines))
        queue = NIOLockedValueBox(Queue())
        let thread = Thread { [self] in run() }
        thread.name = "rampart-audit-log"
        thread.start()
    }

    public convenience init(path: String) throws {
        try self.init(settings: AuditLogSettings(path: path))
    }

    deinit {
        writer.withLockedValue { writer in
            Glibc.close(writer.log)
            Glibc.close(writer.checkpoints)
        }
    }

    /// Queues a decision. When `maxBacklog` decisions already wait: waits for the writer (`block`) or drops it and
    /// counts it (`shed`).
    public func record(_ entry: AuditEntry) {
        let encoded = entry.encodedAroundPrev()
        wake.lock()
        defer { wake.unlock() }
        while queue.withLockedValue({ $0.pending.count >= settings.maxBacklog && !$0.stopped }) {
            if settings.whenFull == .shed {
                queue.withLockedValue { $0.dropped += 1 }
                return
            }
            wake.signal()
            wake.wait()
        }
        let count = queue.withLockedValue { queue in
            queue.pending.append(encoded)
            return queue.pending.count
        }
        // A large batch is written at once rather than at the next interval.
        if count == 4096 { wake.broadcast() }
    }

    /// Waits until every decision recorded so far is written (and synced to disk).
    public func flush() {
        wake.lock()
        defer { wake.unlock() }
        let target = queue.withLockedValue { queue in
            queue.flushWanted = true
            return queue.passes + 2
        }
        wake.broadcast()
        while queue.withLockedValue({ $0.passes < target && !$0.stopped }) { wake.wait() }
    }

    /// Writes what waits, a final checkpoint, and stops the writer. Later decisions are dropped.
    public func close() {
        wake.lock()
        queue.withLockedValue { $0.stopping = true }
        wake.broadcast()
        while !queue.withLockedValue({ $0.stopped }) { wake.wait() }
        wake.unlock()
    }

    /// Decisions dropped because the backlog was full (`when_full: shed`).
    public var dropped: Int { queue.withLockedValue { $0.dropped } }

    private func run() {
        while true {
            wake.lock()
            let deadline = Date().addingTimeInterval(settings.flushInterval)
            while !queue.withLockedValue({ $0.stopping || $0.flushWanted || $0.pending.count >= 4096 }), wake.wait(until: deadline) {}
            let (batch, stopping, flushWanted, dropped) = queue.withLockedValue { queue in
                let taken = queue.pending
                queue.pending.removeAll(keepingCapacity: true)
                defer { queue.flushWanted = false }
                return (taken, queue.stopping, queue.flushWanted, queue.dropped)
            }
            wake.broadcast()  // room in the backlog
            wake.unlock()
            write(batch, sync: flushWanted || stopping, finalCheckpoint: stopping)
            metrics?.auditLog(backlog: queue.withLockedValue { $0.pending.count }, dropped: dropped)
            wake.lock()
            queue.withLockedValue { queue in
                queue.passes += 1
                if stopping { queue.stopped = true }
            }
            wake.broadcast()
            wake.unlock()
            if stopping { return }
        }
    }

    private func write(_ batch: [(before: String, after: String)], sync: Bool, finalCheckpoint: Bool) {
        writer.withLockedValue { writer in
            if !batch.isEmpty {
                var text = ""
                text.reserveCapacity(batch.count * 320)
                for piece in batch {
                    let line = piece.before + "\"prev\":\"" + writer.head + "\"" + piece.after
                    writer.head = chain.value(of: Array(line.utf8))
                    text += line
                    text += "\n"
                }
                let written = Self.writeAll(writer.log, Array(text.utf8))
                writer.bytes += written
                writer.lines += batch.count
                ChainHead(lines: writer.lines, bytes: writer.bytes, head: writer.head).save(path + ".state")
            }
            let due = Date().timeIntervalSince(writer.lastCheckpoint) >= settings.checkpointInterval
            if writer.lines > writer.checkpointedLines && (due || finalCheckpoint || sync) {
                let checkpoint = Checkpoint.make(lines: writer.lines, head: writer.head, time: Date().formatted(.iso8601), chain: chain)
                _ = Self.writeAll(writer.checkpoints, Array((checkpoint + "\n").utf8))
                writer.checkpointedLines = writer.lines
                writer.lastCheckpoint = Date()
                fsync(writer.log)
                fsync(writer.checkpoints)
            } else if sync {
                fsync(writer.log)
            }
        }
    }

    @discardableResult
    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Int {
        var offset = 0
        while offset < bytes.count {
            let result = bytes[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if result < 0 {
                if errno == EINTR { continue }
                return offset
            }
            offset += result
        }
        return offset
    }

    /// Where the chain stands: lines written, bytes, and the last line's chain value.
    struct ChainHead: Codable {
        var lines: Int
        var bytes: Int
        var head: String

        static func load(_ path: String) -> ChainHead? {
            FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode(ChainHead.self, from: $0) }
        }

        /// Written to a temporary file and renamed over the old one, so it is never half written.
        func save(_ path: String) {
            guard let data = try? JSONEncoder().encode(self) else { return }
            let temporary = path + ".tmp"
            guard FileManager.default.createFile(atPath: temporary, contents: data) else { return }
            rename(temporary, path)
        }
    }

    /// The head of an existing log, read a megabyte at a time: its line count and the chain value of its last line.
    static func scanHead(_ path: String, chain: Chain) throws -> ChainHead {
        var head = ChainHead(lines: 0, bytes: 0, head: genesis)
        var last: [UInt8] = []
        try LineReader.forEachLine(path) { line, _ in
            head.lines += 1
            head.bytes += line.count + 1
            last.removeAll(keepingCapacity: true)
            last.append(contentsOf: line)
        }
        if head.lines > 0 { head.head = chain.value(of: last) }
        return head
    }

    /// Checks the chain and, when there are checkpoints, that the log still holds every line they cover, unchanged.
    /// With a key, the chain is checked as HMACs, every checkpoint must carry a valid signature, and a log without any
    /// checkpoint fails (its tail could have been cut).
    public static func verify(path: String, key: SymmetricKey? = nil) throws -> Result<Verification, ChainBreak> {
        let chain = Chain(key: key)
        var checkpoints: [Checkpoint] = []
        if let text = FileManager.default.contents(atPath: path + ".checkpoints") {
            for (index, line) in text.split(separator: 0x0A).enumerated() {
                guard let checkpoint = try? JSONDecoder().decode(Checkpoint.self, from: Data(line)) else {
                    return .failure(ChainBreak(line: 0, problem: "\(path).checkpoints:\(index + 1): not a checkpoint"))
                }
                if key != nil && !checkpoint.isSigned(by: chain) {
                    return .failure(ChainBreak(line: 0, problem: "\(path).checkpoints:\(index + 1): the signature does not match (forged checkpoint, or the wrong key)"))
                }
                checkpoints.append(checkpoint)
            }
        }
        var previous = genesis
        var count = 0
        var broken: ChainBreak?
        var nextCheckpoint = 0
        try LineReader.forEachLine(path) { line, stop in
            count += 1
            guard !line.isEmpty, let entry = try? JSONDecoder().decode(AuditEntry.self, from: Data(line)) else {
                broken = ChainBreak(line: count, problem: "not an audit entry")
                return stop = true
            }
            guard entry.prev == previous else {
                broken = ChainBreak(line: count, problem: key == nil && count == 2
                    ? "the chain is broken here: a line before it was changed, removed or reordered (or the log is keyed: pass its key)"
                    : "the chain is broken here: a line before it was changed, removed or reordered")
                return stop = true
            }
            previous = chain.value(of: line)
            while nextCheckpoint < checkpoints.count, checkpoints[nextCheckpoint].lines == count {
                guard checkpoints[nextCheckpoint].head == previous else {
                    broken = ChainBreak(line: count, problem: "this is not the line checkpoint \(nextCheckpoint + 1) (\(checkpoints[nextCheckpoint].time)) recorded: the log was rewritten")
                    return stop = true
                }
                nextCheckpoint += 1
            }
        }
        if let broken { return .failure(broken) }
        if nextCheckpoint < checkpoints.count {
            let missing = checkpoints[nextCheckpoint]
            return .failure(ChainBreak(line: count + 1, problem: "the log ends after \(count) lines, but checkpoint \(nextCheckpoint + 1) (\(missing.time)) recorded \(missing.lines): it was truncated"))
        }
        if key != nil && checkpoints.isEmpty && count > 0 {
            return .failure(ChainBreak(line: 0, problem: "no signed checkpoint beside the log (\(path).checkpoints): a cut tail or a rewritten chain cannot be ruled out"))
        }
        let covered = checkpoints.last?.lines ?? 0
        return .success(Verification(entries: count, checkpoints: checkpoints.count, coveredEntries: covered, lastCheckpoint: checkpoints.last?.time))
    }

    public struct Verification: Equatable, Sendable {
        public var entries: Int
        public var checkpoints: Int
        /// Entries up to the last checkpoint: the ones whose removal would be found.
        public var coveredEntries: Int
        public var lastCheckpoint: String?
    }

    public struct ChainBreak: Error, Equatable {
        /// The line of the log (1-based), or 0 for a problem with the checkpoints as a whole.
        public var line: Int
        public var problem: String

        public init(line: Int, problem: String) {
            self.line = line
            self.problem = problem
        }
    }

    /// One line of `FILE.checkpoints`: the count of lines and the chain value of the last, signed with the key.
    struct Checkpoint: Codable {
        var lines: Int
        var head: String
        var time: String
        var mac: String?

        static func make(lines: Int, head: String, time: String, chain: Chain) -> String {
            let checkpoint = Checkpoint(lines: lines, head: head, time: time, mac: chain.checkpointMAC(signed(lines, head, time)))
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            return String(decoding: (try? encoder.encode(checkpoint)) ?? Data(), as: UTF8.self)
        }

        static func signed(_ lines: Int, _ head: String, _ time: String) -> String { "\(lines)|\(head)|\(time)" }

        func isSigned(by chain: Chain) -> Bool {
            guard let mac, let expected = chain.checkpointMAC(Self.signed(lines, head, time)) else { return false }
            return Data(mac.utf8) == Data(expected.utf8)
        }
    }
}

/// Reads a file's lines a megabyte at a time, whatever its size.
enum LineReader {
    static func forEachLine(_ path: String, _ body: (ArraySlice<UInt8>, inout Bool) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw POSIXError(.ENOENT) }
        defer { try? handle.close() }
        var carry: [UInt8] = []
        var stop = false
        while !stop, let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            carry += chunk
            var start = carry.startIndex
            while !stop, let newline = carry[start...].firstIndex(of: 0x0A) {
                try body(carry[start..<newline], &stop)
                start = newline + 1
            }
            carry.removeSubrange(..<start)
        }
        if !stop && !carry.isEmpty { try body(carry[...], &stop) }
    }
}
