import Foundation
import Crypto
@testable import RampartGateway
import Testing

private func temporaryLog() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("rampart-audit-\(UUID().uuidString).jsonl").path
}

private func entry(_ index: Int) -> AuditEntry {
    AuditEntry(time: "2026-11-29T05:00:0\(index)Z", client: "127.0.0.1", identity: "demo:alice", route: "api", method: "GET", path: "/orders/\(index)",
               decision: "allow", reason: nil, status: 200, latencyMs: 1.5, bytes: 42, correlation: "c\(index)")
}

@Test func anIntactLogVerifiesAndTamperingIsFoundAtItsLine() throws {
    let path = temporaryLog()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let log = try AuditLog(path: path)
    for index in 1...5 { log.record(entry(index)) }
    log.flush()
    #expect(try AuditLog.verify(path: path).get().entries == 5)
    // The chain continues across restarts.
    log.close()
    let reopened = try AuditLog(path: path)
    reopened.record(entry(6))
    reopened.close()
    #expect(try AuditLog.verify(path: path).get().entries == 6)

    var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    let original = lines
    lines[2] = lines[2].replacingOccurrences(of: "\"status\":200", with: "\"status\":403")
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    #expect(try AuditLog.verify(path: path) == .failure(AuditLog.ChainBreak(line: 4, problem: "the chain is broken here: a line before it was changed, removed or reordered")))
    lines = original
    lines.remove(at: 1)
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    guard case .failure(let removed) = try AuditLog.verify(path: path) else { Issue.record("a removed line verified"); return }
    #expect(removed.line == 2 && removed.problem.hasPrefix("the chain is broken here"))
}

private let key = SymmetricKey(data: Array("0123456789abcdef0123456789abcdef".utf8))

/// A keyed log of `count` entries, closed (so its last checkpoint covers every line).
private func keyedLog(_ count: Int) throws -> String {
    let path = temporaryLog()
    let log = try AuditLog(settings: AuditLogSettings(path: path), key: key)
    for index in 1...count { log.record(entry(index)) }
    log.close()
    return path
}

private func lines(_ path: String) throws -> [String] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
}

private func write(_ lines: [String], _ path: String) throws {
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
}

private func remove(_ path: String) {
    for suffix in ["", ".checkpoints", ".state"] { try? FileManager.default.removeItem(atPath: path + suffix) }
}

@Test func aKeyedLogFindsACutTailAnEditedLastLineAForgedLineAndARewrittenChain() throws {
    let path = try keyedLog(5)
    defer { remove(path) }
    let intact = try AuditLog.verify(path: path, key: key).get()
    #expect(intact.entries == 5 && intact.coveredEntries == 5)
    let original = try lines(path)

    // The tail cut: the last checkpoint recorded five lines.
    try write(Array(original.dropLast()), path)
    guard case .failure(let cut) = try AuditLog.verify(path: path, key: key) else { Issue.record("a cut tail verified"); return }
    #expect(cut.problem.contains("truncated"))

    // The last line edited.
    var edited = original
    edited[4] = edited[4].replacingOccurrences(of: "\"decision\":\"allow\"", with: "\"decision\":\"deny\"")
    try write(edited, path)
    #expect((try? AuditLog.verify(path: path, key: key).get()) == nil)

    // A forged line appended, chained as well as one can without the key (SHA-256 of the last line).
    var forged = entry(6)
    forged.prev = AuditLog.Chain(key: nil).value(of: Array(original[4].utf8))
    let (before, after) = forged.encodedAroundPrev()
    try write(original + [before + "\"prev\":\"\(forged.prev)\"" + after], path)
    guard case .failure(let appended) = try AuditLog.verify(path: path, key: key) else { Issue.record("a forged line verified"); return }
    #expect(appended.line == 6)

    // The whole chain rewritten from scratch (with another key), checkpoints and all.
    remove(path)
    let rewritten = try AuditLog(settings: AuditLogSettings(path: path), key: SymmetricKey(data: Array("another key, not the log's own!!".utf8)))
    for index in 1...5 { rewritten.record(entry(index)) }
    rewritten.close()
    guard case .failure(let forgedCheckpoint) = try AuditLog.verify(path: path, key: key) else { Issue.record("a rewritten log verified"); return }
    #expect(forgedCheckpoint.problem.contains("signature does not match"))

    // Checkpoints removed: a keyed log without any cannot be vouched for.
    try FileManager.default.removeItem(atPath: path + ".checkpoints")
    #expect((try? AuditLog.verify(path: path, key: key).get()) == nil)
}

@Test func restartsContinueFromTheStateFileOrTheLogsLastLine() throws {
    let path = try keyedLog(3)
    defer { remove(path) }
    #expect(FileManager.default.fileExists(atPath: path + ".state"))
    let again = try AuditLog(settings: AuditLogSettings(path: path), key: key)
    again.record(entry(4))
    again.close()
    // Without the state file the head comes from reading the log (in pieces).
    try FileManager.default.removeItem(atPath: path + ".state")
    let third = try AuditLog(settings: AuditLogSettings(path: path), key: key)
    third.record(entry(5))
    third.close()
    let verified = try AuditLog.verify(path: path, key: key).get()
    #expect(verified.entries == 5 && verified.coveredEntries == 5 && verified.checkpoints == 3)
}

@Test func decisionsReachTheFileWithinTheFlushIntervalWithoutAFlush() async throws {
    // What a kill -9 would find: everything recorded more than a flush interval ago is in the file.
    let path = temporaryLog()
    defer { remove(path) }
    var settings = AuditLogSettings(path: path)
    settings.flushInterval = 0.05
    let log = try AuditLog(settings: settings)
    for index in 1...200 { log.record(entry(index % 10)) }
    try await Task.sleep(for: .milliseconds(600))
    #expect(try lines(path).count == 200)
    log.close()
}

@Test func aFullBacklogShedsAndCountsOrBlocks() throws {
    let path = temporaryLog()
    defer { remove(path) }
    var settings = AuditLogSettings(path: path)
    settings.flushInterval = 10
    settings.maxBacklog = 10
    settings.whenFull = .shed
    let shedding = try AuditLog(settings: settings)
    for index in 1...100 { shedding.record(entry(index % 10)) }
    #expect(shedding.dropped == 90)
    shedding.close()
    #expect(try lines(path).count == 10)

    // Blocking: nothing is lost, the callers wait for the writer.
    remove(path)
    settings.whenFull = .block
    settings.flushInterval = 0.01
    let blocking = try AuditLog(settings: settings)
    for index in 1...500 { blocking.record(entry(index % 10)) }
    blocking.close()
    #expect(blocking.dropped == 0)
    #expect(try AuditLog.verify(path: path).get().entries == 500)
}

/// Someone edits the log: random damage to random lines of a keyed log never crashes verify-log, and never passes.
@Test func randomlyEditedLogsNeverVerify() throws {
    let path = try keyedLog(20)
    defer { remove(path) }
    let original = try lines(path)
    var random = SystemRandomNumberGenerator()
    for _ in 0..<60 {
        var edited = original
        let line = Int.random(in: 0..<edited.count, using: &random)
        var bytes = Array(edited[line].utf8)
        let at = Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<4, using: &random) {
        case 0: bytes[at] = bytes[at] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
        case 1: bytes.remove(at: at)
        case 2: bytes.insert(UInt8.random(in: 0x20...0x7E, using: &random), at: at)
        default: edited.remove(at: line)
        }
        if edited.count == original.count { edited[line] = String(decoding: bytes, as: UTF8.self) }
        guard edited != original else { continue }
        try write(edited, path)
        #expect((try? AuditLog.verify(path: path, key: key).get()) == nil, "an edit of line \(line + 1) verified")
    }
}
