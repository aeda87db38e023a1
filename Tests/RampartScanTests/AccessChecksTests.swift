import Foundation
import NIOHTTP1
import RampartCore
import RampartHTTP
@testable import RampartScan
import RampartSpec
import RampartTestSupport
import Testing

/// Checks of who may reach what on sites without a description, each with a positive and a negative fixture:
/// folder listings, default Basic credentials, privileged headers, `../` resolution, form logins.
private func scan(_ server: TestServer, only rules: Set<String>, configuration: String = "") async throws -> ScanResult {
    var options = ScanOptions()
    options.onlyRules = rules
    let parsed = try ScanConfiguration.parse(SpecDocument(text: configuration.isEmpty ? "{}" : configuration, file: "rampart.yml").root)
    return try await ScanRunner(target: server.httpURL, description: nil, configuration: parsed,
                                engineOptions: EngineOptions(requestsPerSecond: nil), options: options).run()
}

private let html = [("Content-Type", "text/html")]
/// What these sites answer for a path they do not have: 200 and a page saying so, as many web apps do.
private let softNotFound = Canned(headers: html, body: "<html><h1>Page not found</h1>\n<p>Sorry.</p>\n<a href=\"/\">home</a></html>")

@Test func folderListingsAndDefaultBasicCredentialsAreFound() async throws {
    func site(listing: Bool, password: String) async throws -> TestServer {
        try await TestServer.start { head in
            switch head.uri {
            case "/": return Canned(headers: html, body: #"<a href="/files/">files</a>"#)
            case "/files/":
                return Canned(headers: html, body: listing ? #"<title>Index of /files/</title><a href="/files/export.db">export.db</a>"#
                                                           : #"<p>Our files</p><a href="/files/export.db">export.db</a>"#)
            case "/files/export.db":
                let expected = "Basic " + Data("admin:\(password)".utf8).base64EncodedString()
                if head.headers.first(name: "Authorization") == expected { return Canned(body: "SQLite format 3") }
                return Canned(status: .unauthorized, headers: [("WWW-Authenticate", #"Basic realm="files""#)], body: "")
            default: return softNotFound
            }
        }
    }
    let open = try await site(listing: true, password: "admin123")
    defer { Task { await open.stop() } }
    let found = try await scan(open, only: ["directory-listing", "weak-basic-credentials"]).findings
    #expect(Set(found.map(\.ruleId)) == ["directory-listing", "weak-basic-credentials"], "\(found.map(\.message))")
    #expect(!found.contains { $0.message.contains("admin123") }, "the password is not written out")

    let closed = try await site(listing: false, password: "x7-Long-Unguessable-Passphrase")
    defer { Task { await closed.stop() } }
    #expect(try await scan(closed, only: ["directory-listing", "weak-basic-credentials"]).findings.isEmpty)
}

@Test func anUnlinkedPanelOpenedByHostLocalhostIsFoundAndSoftNotFoundPagesAreNoOperations() async throws {
    func site(trustsHost: Bool, defaultSiteForOtherHosts: Bool = false) async throws -> TestServer {
        try await TestServer.start { head in
            let host = head.headers.first(name: "Host") ?? ""
            if defaultSiteForOtherHosts && !host.hasPrefix("127.0.0.1") { return Canned(headers: html, body: "<h1>Welcome to nginx!</h1>") }
            switch head.uri {
            case "/": return Canned(headers: html, body: "<h1>Shop</h1>")
            case "/dashboard":
                if trustsHost && host == "localhost" { return Canned(headers: html, body: "<h1>Admin panel</h1>\n<table><tr><td>CEO</td><td>250000</td></tr></table>") }
                return Canned(headers: html, body: "<h1>Login</h1>\n<p>This page is available for local users only.</p>")
            default: return softNotFound
            }
        }
    }
    let trusting = try await site(trustsHost: true)
    defer { Task { await trusting.stop() } }
    let result = try await scan(trusting, only: ["privileged-header-bypass"])
    #expect(result.findings.map(\.ruleId) == ["privileged-header-bypass"] && result.findings.first?.location.path == "/dashboard")
    #expect(result.operations == 2, "/ and the discovered /dashboard; the other common paths answered the not-found page")

    let strict = try await site(trustsHost: false)
    defer { Task { await strict.stop() } }
    #expect(try await scan(strict, only: ["privileged-header-bypass"]).findings.isEmpty)
    let virtualHosts = try await site(trustsHost: false, defaultSiteForOtherHosts: true)
    defer { Task { await virtualHosts.stop() } }
    #expect(try await scan(virtualHosts, only: ["privileged-header-bypass"]).findings.isEmpty, "another site for another Host is no bypass")
}

@Test func dotDotResolvedInsideTheApplicationIsPathTraversal() async throws {
    let files = ["static/img/key.svg": "<svg>key</svg>", "app.py": "SECRET_KEY = 'x'"]
    func site(resolvesDotDot: Bool) async throws -> TestServer {
        try await TestServer.start { head in
            let components = URLComponents(string: head.uri)
            if components?.path == "/" { return Canned(headers: html, body: #"<img src="/static/img?image=key.svg">"#) }
            guard components?.path == "/static/img", let name = components?.queryItems?.first(where: { $0.name == "image" })?.value else { return softNotFound }
            if name.contains("..") && !resolvesDotDot { return Canned(status: .badRequest, body: "bad name") }
            // Resolved as a file system would, and confined to the application's own tree.
            let resolved = URL(fileURLWithPath: "/app/static/img/" + name).standardizedFileURL.path
            guard resolved.hasPrefix("/app/"), let content = files[String(resolved.dropFirst(5))] else { return softNotFound }
            return Canned(body: content)
        }
    }
    let resolving = try await site(resolvesDotDot: true)
    defer { Task { await resolving.stop() } }
    let found = try await scan(resolving, only: ["path-traversal"]).findings
    #expect(found.map(\.ruleId) == ["path-traversal"] && found.first?.confidence == .firm && found.first?.message.contains("../img/key.svg") == true)

    let refusing = try await site(resolvesDotDot: false)
    defer { Task { await refusing.stop() } }
    #expect(try await scan(refusing, only: ["path-traversal"]).findings.isEmpty)
}

@Test func formLoginsAreJudgedByDifferenceNotStatus() async throws {
    // Failures answer 200; an existing user with a wrong password gets another message than an unknown one.
    func site(telling: Bool, throttleAfter: Int? = nil) async throws -> TestServer {
        let attempts = LockedCounter()
        return try await TestServer.start(receiving: { head, body in
            if head.uri == "/" {
                return Canned(headers: html, body: #"<form method="post" action="/session"><input name="username"><input type="password" name="password"></form>"#)
            }
            guard head.uri == "/session", head.method == .POST else { return softNotFound }
            if let limit = throttleAfter, attempts.next() > limit { return Canned(status: .tooManyRequests, headers: [("Retry-After", "60")], body: "slow down") }
            var form = URLComponents()
            form.percentEncodedQuery = body
            let fields = Dictionary((form.queryItems ?? []).map { ($0.name, $0.value ?? "") }) { a, _ in a }
            if fields["username"] == "alice" && fields["password"] == "Alice-Passw0rd!" {
                return Canned(status: .found, headers: [("Location", "/"), ("Set-Cookie", "session=s1; Path=/")], body: "")
            }
            let known = fields["username"] == "alice"
            return Canned(headers: html, body: telling && known ? "<p>Wrong password.</p>" : telling ? "<p>No such user.</p>" : "<p>Invalid credentials.</p>")
        })
    }
    let identity = """
    scan:
      identities:
        alice:
          login: {path: /session, form: {username: alice, password: Alice-Passw0rd!}, cookie: session}
    """
    let telling = try await site(telling: true)
    defer { Task { await telling.stop() } }
    let found = try await scan(telling, only: ["user-enumeration", "login-no-brute-force-protection"], configuration: identity).findings
    #expect(Set(found.map(\.ruleId)) == ["user-enumeration", "login-no-brute-force-protection"], "\(found.map(\.message))")

    // Without any identity, the crawled form is the login to try.
    let anonymous = try await scan(telling, only: ["login-no-brute-force-protection"]).findings
    #expect(anonymous.map(\.ruleId) == ["login-no-brute-force-protection"] && anonymous.first?.location.path == "/session")

    let careful = try await site(telling: false, throttleAfter: 5)
    defer { Task { await careful.stop() } }
    #expect(try await scan(careful, only: ["user-enumeration", "login-no-brute-force-protection"], configuration: identity).findings.isEmpty)
}

/// A counter the fixtures' event-loop closures share.
private final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
