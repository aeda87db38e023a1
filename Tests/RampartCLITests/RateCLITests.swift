import Foundation
import NIOHTTP1
import RampartTestSupport
import Testing

private let secureHeaders: [(String, String)] = [
    ("Content-Type", "application/json"), ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
    ("Strict-Transport-Security", "max-age=63072000"), ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
]

@Test func rateWritesTheDocumentedJSON() async throws {
    let server = try await TestServer.start(tls: TestPKI.serverTLS(TestPKI.leaf())) { _ in Canned(headers: secureHeaders) }
    defer { Task { await server.stop() } }
    let result = try await CLI.detached("rate", server.httpsURL.absoluteString, "--ca-file", TestPKI.caFile, "--format", "json", "--timeout", "5")
    #expect(result.status == 0, "\(result.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect((json["portfolio"] as? [String: Any])?["grade"] as? String == "A+")
    let host = try #require((json["hosts"] as? [[String: Any]])?.first)
    for key in ["url", "grade", "score", "tls", "headers", "findings"] { #expect(host[key] != nil, "host has \(key)") }
    let tls = try #require(host["tls"] as? [String: Any])
    for key in ["grade", "score", "protocols", "certificate"] { #expect(tls[key] != nil, "tls has \(key)") }
    #expect(tls["protocols"] as? [String] == ["TLSv1.2", "TLSv1.3"])
    let headers = try #require(host["headers"] as? [String: Any])
    let test = try #require((headers["tests"] as? [[String: Any]])?.first)
    for key in ["name", "result", "modifier"] { #expect(test[key] != nil, "test has \(key)") }
}

@Test func aDeadHostDoesNotStopAPortfolio() async throws {
    let live = try await TestServer.start(tls: TestPKI.serverTLS(TestPKI.leaf())) { _ in Canned(headers: secureHeaders) }
    let dead = try await TestServer.start()
    let deadURL = dead.httpsURL.absoluteString
    await dead.stop()
    defer { Task { await live.stop() } }
    let folder = try CLI.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try "# API hosts\n\n\(live.httpsURL.absoluteString)\n\(deadURL)  \n".write(toFile: folder + "/hosts.txt", atomically: true, encoding: .utf8)
    let result = try await CLI.detached("rate", "--targets", folder + "/hosts.txt", "--ca-file", TestPKI.caFile, "--timeout", "3", "--fail-on", "none")
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.first?.hasPrefix("F ") == true, "worst host first: \(lines.first ?? "")")
    #expect(result.stdout.contains("TLS: "), "the dead host says why")
    #expect(result.stdout.contains("portfolio: "))
}

@Test func badTargetsAreInputErrors() async throws {
    let folder = try CLI.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try "https://ok.example\nftp://files.example\n".write(toFile: folder + "/hosts.txt", atomically: true, encoding: .utf8)
    let result = try await CLI.detached("rate", "--targets", folder + "/hosts.txt")
    #expect(result.status == 2)
    #expect(result.stderr == "rampart: \(folder)/hosts.txt:2: 'ftp://files.example' is not an http(s) URL\n")
    #expect(try await CLI.detached("rate").status == 2, "no URL at all")
}

@Test func failOnGatesOnCertificateProblems() async throws {
    let expired = try TestPKI.leaf(validFrom: Date() - 86_400 * 60, validUntil: Date() - 86_400)
    let server = try await TestServer.start(tls: TestPKI.serverTLS(expired)) { _ in Canned(headers: secureHeaders) }
    defer { Task { await server.stop() } }
    let result = try await CLI.detached("rate", server.httpsURL.absoluteString, "--ca-file", TestPKI.caFile, "--timeout", "5", "--format", "sarif")
    #expect(result.status == 1, "an expired certificate is a high finding")
    #expect(result.stdout.contains("certificate-expired"))
}
