import Crypto
import Foundation
import NIOConcurrencyHelpers

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
    /// SHA-256 of the previous line (64 zeros for the first), which chains the lines together.
    public var prev: String = ""

    public init(time: String, client: String, identity: String?, route: String?, method: String, path: String, decision: String,
                reason: String?, status: Int, latencyMs: Double, bytes: Int, correlation: String) {
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
        case time, client, identity, route, method, path, decision, reason, status, latencyMs = "latency_ms", bytes, correlation, prev
    }
}

/// An append-only JSON-lines audit log. Each line carries the hash of the line before it, so an edited,
/// deleted or reordered line breaks the chain (`rampart gateway verify-log`). Lines are written in order
/// on a queue of their own, off the event loops.
public final class AuditLog: Sendable {
    private let queue = DispatchQueue(label: "rampart.gateway.audit")
    private let state: NIOLockedValueBox<(handle: FileHandle, previous: String)>
    static let genesis = String(repeating: "0", count: 64)
    let path: String

    /// Opens (or creates) the log and continues the chain from its last line.
    public init(path: String) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let last = existing.split(separator: "\n").last.map { Self.hash(String($0)) } ?? Self.genesis
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        state = NIOLockedValueBox((handle, last))
    }

    public func record(_ entry: AuditEntry) {
        queue.async { [state] in
            state.withLockedValue { state in
                var entry = entry
                entry.prev = state.previous
                guard let data = try? Self.encoder.encode(entry), let line = String(data: data, encoding: .utf8) else { return }
                state.handle.write(Data((line + "\n").utf8))
                state.previous = Self.hash(line)
            }
        }
    }

    /// Waits until every recorded entry is on disk.
    public func flush() {
        queue.sync { state.withLockedValue { try? $0.handle.synchronize() } }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func hash(_ line: String) -> String {
        SHA256.hash(data: Data(line.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Checks the chain: the number of lines when intact, else the first broken line (1-based) and why.
    public static func verify(path: String) throws -> Result<Int, ChainBreak> {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var previous = genesis
        var count = 0
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            guard let entry = try? JSONDecoder().decode(AuditEntry.self, from: Data(line.utf8)) else {
                return .failure(ChainBreak(line: index + 1, problem: "not an audit entry"))
            }
            guard entry.prev == previous else {
                return .failure(ChainBreak(line: index + 1, problem: "the chain is broken here: a line before it was changed, removed or reordered"))
            }
            previous = hash(String(line))
            count += 1
        }
        return .success(count)
    }

    public struct ChainBreak: Error, Equatable {
        public var line: Int
        public var problem: String

        public init(line: Int, problem: String) {
            self.line = line
            self.problem = problem
        }
    }
}
