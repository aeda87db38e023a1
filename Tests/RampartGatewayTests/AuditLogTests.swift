import Foundation
import RampartGateway
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
    #expect(try AuditLog.verify(path: path) == .success(5))
    // The chain continues across restarts.
    let reopened = try AuditLog(path: path)
    reopened.record(entry(6))
    reopened.flush()
    #expect(try AuditLog.verify(path: path) == .success(6))

    var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    let original = lines
    lines[2] = lines[2].replacingOccurrences(of: "\"status\":200", with: "\"status\":403")
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    #expect(try AuditLog.verify(path: path) == .failure(AuditLog.ChainBreak(line: 4, problem: "the chain is broken here: a line before it was changed, removed or reordered")))
    lines = original
    lines.remove(at: 1)
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    #expect(try AuditLog.verify(path: path) == .failure(AuditLog.ChainBreak(line: 2, problem: "the chain is broken here: a line before it was changed, removed or reordered")))
}
