import Foundation
import Crypto
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

/// What `rules` find on the flawed site (`site(true)`) and on its fixed twin (`site(false)`), scanned alike.
private func contrast(_ site: (Bool) async throws -> TestServer, only rules: Set<String>, configuration: String = "") async throws -> (flawed: [Finding], fixed: [Finding]) {
    var found: [[Finding]] = []
    for flawed in [true, false] {
        let server = try await site(flawed)
        found.append(try await scan(server, only: rules, configuration: configuration).findings)
        await server.stop()
    }
    return (found[0], found[1])
}

/// Scans a site that has a description (`spec`, OpenAPI JSON).
private func scan(_ server: TestServer, spec: String, only rules: Set<String>, configuration: String = "") async throws -> ScanResult {
    var options = ScanOptions()
    options.onlyRules = rules
    let parsed = try ScanConfiguration.parse(SpecDocument(text: configuration.isEmpty ? "{}" : configuration, file: "rampart.yml").root)
    return try await ScanRunner(target: server.httpURL, description: try APIDescription(SpecDocument(text: spec, file: "api.json")), configuration: parsed,
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
            case "/files/", "/files/?path=.%2Fexport.db":
                // The listing links its entries through a script parameter; the server serves /files/NAME as well.
                return Canned(headers: html, body: listing ? #"<title>Index of /files/</title><a href="/files/?path=.%2Fexport.db">export.db</a>"#
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
        let attempts = Counter()
        return try await TestServer.start(receiving: { head, body in
            if head.uri == "/" {
                return Canned(headers: html, body: #"<form method="post" action="/session"><input name="username"><input type="password" name="password"></form>"#)
            }
            guard head.uri == "/session", head.method == .POST else { return softNotFound }
            if let limit = throttleAfter, attempts.increment() > limit { return Canned(status: .tooManyRequests, headers: [("Retry-After", "60")], body: "slow down") }
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


/// A site whose session cookie is `name=<cookie(user)>`; `/account/` is linked from `/` only for a signed-in user and
/// greets whoever `user(cookie)` says, else redirects to the login.
private func sessionSite(cookie: @escaping @Sendable (String) -> String, user: @escaping @Sendable (String) -> String?,
                         registration: Bool = false) async throws -> TestServer {
    let passwords = LockedDictionary(["alice": "Alice-Passw0rd!"])
    return try await TestServer.start(receiving: { head, body in
        let sent = head.headers.first(name: "Cookie").flatMap { ForgeableSession.cookie(named: "sid", in: $0) }
        let signedIn = sent.flatMap(user)
        var fields: [String: String] = [:]
        if let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: String] { fields = object }
        switch (head.method, head.uri) {
        case (.GET, "/"): return Canned(headers: html, body: signedIn == nil ? "<a href=\"/login\">log in</a>" : "<a href=\"/account/\">account</a>")
        case (.GET, "/account/"):
            guard let signedIn else { return Canned(status: .found, headers: [("Location", "/login")], body: "") }
            return Canned(headers: html, body: "<h1>Account of \(signedIn)</h1>\n<p>Balance: 100</p>\n<p>Settings</p>")
        case (.POST, "/register"):
            guard let name = fields["username"], let password = fields["password"] else { return Canned(status: .badRequest, body: "{}") }
            if !registration && passwords.get(name) != nil { return Canned(status: .conflict, body: #"{"error": "exists"}"#) }
            passwords.set(name, password)
            return Canned(headers: [("Content-Type", "application/json")], body: #"{"message": "User created"}"#)
        case (.POST, "/login"):
            guard let name = fields["username"], passwords.get(name) == fields["password"] else { return Canned(status: .unauthorized, body: "{}") }
            return Canned(headers: [("Set-Cookie", "sid=\(cookie(name)); Path=/")], body: "{}")
        default: return softNotFound
        }
    })
}

private let sessionIdentity = """
scan:
  identities:
    alice:
      signup: {path: /register, json: {username: alice, password: Alice-Passw0rd!}}
      login: {path: /login, json: {username: alice, password: Alice-Passw0rd!}, cookie: sid}
"""

@Test func unsignedSessionCookiesAreForgedAndSignedOnesAreNot() async throws {
    @Sendable func encode(_ object: [String: String]) -> String { Base64URL.encode(try! JSONSerialization.data(withJSONObject: object)) }
    @Sendable func claims(_ value: String) -> [String: String]? { Base64URL.decode(value).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: String] } }
    let unsigned = try await sessionSite(cookie: { encode(["username": $0]) }, user: { claims($0)?["username"] })
    defer { Task { await unsigned.stop() } }
    let found = try await scan(unsigned, only: ["forgeable-session"], configuration: sessionIdentity).findings
    #expect(found.map(\.ruleId) == ["forgeable-session"] && found.first?.location.path == "/account/", "found on a page linked only when signed in")

    // Server-side sessions: the cookie is a random id the server issued; nothing Rampart writes is one.
    let issued = LockedDictionary<String>([:])
    let serverSide = try await sessionSite(cookie: { name in let id = UUID().uuidString; issued.set(id, name); return id }, user: { issued.get($0) })
    defer { Task { await serverSide.stop() } }
    #expect(try await scan(serverSide, only: ["forgeable-session"], configuration: sessionIdentity).findings.isEmpty)
}

@Test func secretsInReadableCookiesAreFoundAndCSRFTokensAreNot() async throws {
    func site(_ claims: [String: Any]) async throws -> TestServer {
        let payload = Base64URL.encode(try JSONSerialization.data(withJSONObject: claims))
        return try await TestServer.start { _ in Canned(headers: html + [("Set-Cookie", "session=\(payload).Z2vXyw.c2lnbmF0dXJl; HttpOnly; Path=/")], body: "<p>hi</p>") }
    }
    let leaking = try await site(["loggedin": true, "secret": "e5ac-4ebf-03e5-9e29-a3f562e10b22", "userId": 1])
    defer { Task { await leaking.stop() } }
    let found = try await scan(leaking, only: ["session-cookie-secret-exposed"]).findings
    #expect(found.map(\.ruleId) == ["session-cookie-secret-exposed"] && found.first?.message.contains("secret") == true)
    #expect(!String(decoding: try JSONEncoder().encode(found), as: UTF8.self).contains("e5ac-4ebf-03e5-9e29-a3f562e10b22"), "the secret itself is redacted")

    let harmless = try await site(["csrf_token": "0123456789abcdef0123", "userId": 1])
    defer { Task { await harmless.stop() } }
    #expect(try await scan(harmless, only: ["session-cookie-secret-exposed"]).findings.isEmpty)
}

@Test func signingUpAgainAsAnExistingUserIsAccountTakeover() async throws {
    @Sendable func claims(_ value: String) -> String? { value.hasPrefix("user-") ? String(value.dropFirst(5)) : nil }
    let overwriting = try await sessionSite(cookie: { "user-" + $0 }, user: claims, registration: true)
    defer { Task { await overwriting.stop() } }
    #expect(try await scan(overwriting, only: ["account-takeover-by-registration"], configuration: sessionIdentity).findings.map(\.ruleId)
            == ["account-takeover-by-registration"])
    let refusing = try await sessionSite(cookie: { "user-" + $0 }, user: claims)
    defer { Task { await refusing.stop() } }
    #expect(try await scan(refusing, only: ["account-takeover-by-registration"], configuration: sessionIdentity).findings.isEmpty)
}

/// A dictionary the fixtures' event-loop closures share.
private final class LockedDictionary<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: Value]
    init(_ values: [String: Value]) { self.values = values }
    func get(_ key: String) -> Value? { lock.lock(); defer { lock.unlock() }; return values[key] }
    func set(_ key: String, _ value: Value) { lock.lock(); defer { lock.unlock() }; values[key] = value }
    var all: [Value] { lock.lock(); defer { lock.unlock() }; return Array(values.values) }
    func snapshot() -> [String: Value] { lock.lock(); defer { lock.unlock() }; return values }
}

@Test func thePageALoginRedirectsToIsCrawledThoughNothingLinksIt() async throws {
    let server = try await TestServer.start(receiving: { head, _ in
        let signedIn = head.headers.first(name: "Cookie")?.contains("sid=s1") == true
        switch (head.method, head.uri) {
        case (.POST, "/login"): return Canned(status: .found, headers: [("Location", "/private/salaries"), ("Set-Cookie", "sid=s1; Path=/")], body: "")
        case (.GET, "/private/salaries"):
            guard signedIn else { return Canned(status: .found, headers: [("Location", "/login")], body: "") }
            let origin = head.headers.first(name: "Origin") ?? "*"
            return Canned(headers: html + [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true")], body: "<table>CEO 250000</table>")
        default: return softNotFound
        }
    })
    defer { Task { await server.stop() } }
    let found = try await scan(server, only: ["cors-reflects-origin"], configuration: """
    scan:
      identities:
        admin:
          login: {path: /login, form: {username: admin, password: admin-pass}, cookie: sid}
    """).findings
    #expect(found.map(\.ruleId) == ["cors-reflects-origin"] && found.first?.location.path == "/private/salaries")
}

@Test func pathsWithCharactersAURLCannotHoldAreEncodedNotFatal() async throws {
    #expect(ScanContext.validPath("/a b/%41/%zz/é/$(x)") == "/a%20b/%41/%25zz/%C3%A9/$(x)")
    // A page linking to such paths (left behind by an earlier scan's payloads) is crawled and injected without a crash.
    let server = try await TestServer.start { head in
        head.uri == "/" ? Canned(headers: html, body: #"<a href="/posts/x y$(sleep 2)">p</a><a href="/posts/100%">q</a><a href="/files/a%20b">r</a>"#) : softNotFound
    }
    defer { Task { await server.stop() } }
    #expect(try await scan(server, only: ["sql-injection", "stored-xss"]).operations >= 1)
}

/// A site with a comment form (posted as the signed-in user) whose comments are shown on `/comments`, escaped or not,
/// with or without a script policy, and a search page that echoes its query.
private func commentSite(escapes: Bool, policy: String? = nil, sameSite: String? = nil, token: Bool = false) async throws -> TestServer {
    let comments = LockedDictionary<String>([:])
    return try await TestServer.start(receiving: { head, body in
        func page(_ text: String) -> Canned { Canned(headers: html + (policy.map { [("Content-Security-Policy", $0)] } ?? []), body: text) }
        func escaped(_ text: String) -> String { escapes ? text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;") : text }
        let components = URLComponents(string: head.uri)
        switch (head.method, components?.path ?? "") {
        case (.POST, "/login"):
            return Canned(status: .found, headers: [("Location", "/"), ("Set-Cookie", "sid=s1; Path=/" + (sameSite.map { "; SameSite=\($0)" } ?? ""))], body: "")
        case (.GET, "/"):
            return page(#"<form method="post" action="/comments"><textarea name="text"></textarea>"# + (token ? #"<input type="hidden" name="csrf_token" value="t">"# : "")
                        + #"</form><a href="/comments">all</a><form action="/search"><input name="q"></form>"#)
        case (.POST, "/comments"):
            var form = URLComponents()
            form.percentEncodedQuery = body
            if let text = form.queryItems?.first(where: { $0.name == "text" })?.value { comments.set(UUID().uuidString, text) }
            return Canned(status: .found, headers: [("Location", "/comments")], body: "")
        case (.GET, "/comments"): return page("<ul>" + comments.all.map { "<li>\(escaped($0))</li>" }.joined() + "</ul>")
        case (.GET, "/search"): return page("<p>Results for \(escaped(components?.queryItems?.first?.value ?? ""))</p>")
        default: return softNotFound
        }
    })
}

private let cookieIdentity = """
scan:
  identities:
    alice:
      login: {path: /login, form: {username: alice, password: Alice-Passw0rd!}, cookie: sid}
"""

@Test func markupServedUnescapedIsStoredOrReflectedXSSAndAScriptPolicyLowersIt() async throws {
    let open = try await commentSite(escapes: false)
    defer { Task { await open.stop() } }
    let found = try await scan(open, only: ["stored-xss"], configuration: cookieIdentity).findings
    #expect(found.contains { $0.location.path == "/comments" && $0.severity == .high && $0.message.contains("served unescaped by GET /comments") }, "\(found.map(\.message))")
    #expect(found.contains { $0.location.path == "/search" && $0.severity == .medium && $0.message.contains("reflected") })

    let guarded = try await commentSite(escapes: false, policy: "script-src 'self'")
    defer { Task { await guarded.stop() } }
    let lowered = try await scan(guarded, only: ["stored-xss"], configuration: cookieIdentity).findings
    #expect(!lowered.isEmpty && lowered.allSatisfy { $0.severity <= .medium })

    let escaping = try await commentSite(escapes: true)
    defer { Task { await escaping.stop() } }
    #expect(try await scan(escaping, only: ["stored-xss"], configuration: cookieIdentity).findings.isEmpty)
}

@Test func formsOfACookieSessionWithoutTokenOrSameSiteAreCSRF() async throws {
    let open = try await commentSite(escapes: true)
    defer { Task { await open.stop() } }
    #expect(try await scan(open, only: ["csrf"], configuration: cookieIdentity).findings.map(\.location.path) == ["/comments"])
    let lax = try await commentSite(escapes: true, sameSite: "Lax")
    defer { Task { await lax.stop() } }
    #expect(try await scan(lax, only: ["csrf"], configuration: cookieIdentity).findings.isEmpty, "SameSite=Lax keeps the cookie off cross-site posts")
    let tokened = try await commentSite(escapes: true, token: true)
    defer { Task { await tokened.stop() } }
    #expect(try await scan(tokened, only: ["csrf"], configuration: cookieIdentity).findings.isEmpty)
}

@Test func aPasswordChangeWithoutTheCurrentPasswordIsFound() async throws {
    func site(asksCurrent: Bool) async throws -> TestServer {
        try await TestServer.start(receiving: { head, body in
            switch (head.method, head.uri) {
            case (.POST, "/login"): return Canned(status: .found, headers: [("Location", "/"), ("Set-Cookie", "sid=s1; Path=/")], body: "")
            case (.GET, "/"):
                return Canned(headers: html, body: #"<form method="post" action="/account/password">"#
                              + (asksCurrent ? #"<input type="password" name="current_password">"# : "")
                              + #"<input type="password" name="password"><input type="password" name="password_again"></form>"#)
            case (.POST, "/account/password"):
                guard head.headers.first(name: "Cookie")?.contains("sid=s1") == true else { return Canned(status: .found, headers: [("Location", "/login")], body: "") }
                if asksCurrent && !body.contains("current_password=Alice-Passw0rd%21") { return Canned(status: .forbidden, body: "wrong current password") }
                return Canned(headers: html, body: "<p>Password changed</p>")
            default: return softNotFound
            }
        })
    }
    let open = try await site(asksCurrent: false)
    defer { Task { await open.stop() } }
    #expect(try await scan(open, only: ["password-change-without-current"], configuration: cookieIdentity).findings.map(\.ruleId) == ["password-change-without-current"])
    let careful = try await site(asksCurrent: true)
    defer { Task { await careful.stop() } }
    #expect(try await scan(careful, only: ["password-change-without-current"], configuration: cookieIdentity).findings.isEmpty)
}

@Test func commentsThatGiveSomethingAwayAreFoundAndOrdinaryOnesAreNot() async throws {
    #expect(AnswerLog.telling(" dev metadata: \(Data("Developer username: devteam".utf8).base64EncodedString()) ") == "mentions \"Developer\" once base64-decoded")
    #expect(AnswerLog.telling(" TODO: db password is hunter2 ")?.contains("password") == true)
    #expect(AnswerLog.telling("/.row") == nil && AnswerLog.telling(" Start Original Code ") == nil)
    let server = try await TestServer.start { _ in Canned(headers: html, body: "<!--Icons--><p>hi</p><!-- api_key: 123 -->") }
    defer { Task { await server.stop() } }
    #expect(try await scan(server, only: ["information-in-comment"]).findings.map(\.ruleId) == ["information-in-comment"])
}

@Test func anAnonymousLookupThatAnswersOnlyForExistingNamesIsUserEnumeration() async throws {
    func site(tells: Bool) async throws -> TestServer {
        try await TestServer.start { head in
            guard head.uri.hasPrefix("/users/") else { return head.uri == "/" ? Canned(headers: html, body: #"<a href="/users/alice">alice</a>"#) : softNotFound }
            let name = String(head.uri.dropFirst("/users/".count))
            if tells && name != "alice" { return Canned(status: .notFound, body: "null") }
            return Canned(headers: [("Content-Type", "application/json")], body: #"{"name": "\#(name)"}"#)
        }
    }
    let telling = try await site(tells: true)
    defer { Task { await telling.stop() } }
    #expect(try await scan(telling, only: ["user-enumeration"]).findings.map(\.location.path) == ["/users/alice"])
    let alike = try await site(tells: false)
    defer { Task { await alike.stop() } }
    #expect(try await scan(alike, only: ["user-enumeration"]).findings.isEmpty, "every name answered alike tells nothing")
}

/// A comment board like many small JSON APIs: creating answers without an id (it shows in the list only), and edits
/// name the comment by an `id` in the body. `openEdits` lets anyone edit; otherwise the author's session is needed.
private func commentBoard(openEdits: Bool) async throws -> TestServer {
    let comments = LockedDictionary<String>([:])
    let authors = LockedDictionary<String>([:])
    return try await TestServer.start(receiving: { head, body in
        let session = head.headers.first(name: "Cookie").flatMap { ForgeableSession.cookie(named: "sid", in: $0) }
        let fields = (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
        let json = [("Content-Type", "application/json")]
        switch (head.method, head.uri) {
        case (.POST, "/login"):
            guard fields["username"] as? String == "alice", fields["password"] as? String == "Alice-Passw0rd!" else { return Canned(status: .unauthorized, body: "{}") }
            return Canned(headers: json + [("Set-Cookie", "sid=s-alice-7c1d; Path=/")], body: "{}")
        case (.GET, "/comments/"):
            let list = comments.snapshot().sorted { $0.key < $1.key }.map { ["id": Int($0.key)!, "author": authors.get($0.key) ?? "", "text": $0.value] as [String: Any] }
            return Canned(headers: json, body: String(decoding: try! JSONSerialization.data(withJSONObject: ["comments": list]), as: UTF8.self))
        case (.POST, "/comments/"):
            guard session == "s-alice-7c1d", let text = fields["text"] as? String else { return Canned(status: .unauthorized, body: "{}") }
            let id = String(comments.snapshot().count + 1)
            comments.set(id, text)
            authors.set(id, "alice")
            return Canned(headers: json, body: #"{"author": "alice", "text": "saved"}"#)
        case (.PUT, "/comments/"):
            guard openEdits || session == "s-alice-7c1d" else { return Canned(status: .unauthorized, body: #"{"error": "log in"}"#) }
            guard let id = (fields["id"] as? NSNumber)?.stringValue, comments.get(id) != nil, let text = fields["text"] as? String else { return Canned(status: .badRequest, body: "{}") }
            comments.set(id, text)
            return Canned(headers: json, body: #"{"text": "saved"}"#)
        default: return Canned(status: .notFound, body: "{}")
        }
    })
}

@Test func writesWithoutASessionAreFoundOnObjectsFoundInTheListAndRefusedOnesAreNot() async throws {
    let configuration = """
        scan:
          identities:
            alice: {login: {path: /login, json: {username: alice, password: Alice-Passw0rd!}, cookie: sid}}
          endpoints:
            - GET /comments/
            - {method: POST, path: /comments/, json: {text: hello}}
            - {method: PUT, path: /comments/, json: {id: 1, text: hello}}
        """
    let (found, fixed) = try await contrast(commentBoard(openEdits:), only: ["auth-not-enforced"], configuration: configuration)
    #expect(found.count == 1 && found.first?.location.method == "PUT" && found.first?.message.contains("alice reads the change back") == true, "\(found.map(\.message))")
    #expect(fixed.isEmpty)
}

@Test func massAssignmentIsJudgedOnTheObjectReadBackNotOnlyOnTheEcho() async throws {
    // Creating answers with the id only; the note as stored is read at /notes/{id}.
    func notes(bindsEverything: Bool) async throws -> TestServer {
        let stored = LockedDictionary<String>([:])
        return try await TestServer.start(receiving: { head, body in
            let json = [("Content-Type", "application/json")]
            switch (head.method, head.uri) {
            case (.POST, "/login"): return Canned(headers: json, body: #"{"token": "t-alice-51"}"#)
            case (.POST, "/notes"):
                guard var fields = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else { return Canned(status: .badRequest, body: "{}") }
                if !bindsEverything { fields = fields.filter { $0.key == "title" } }
                let id = String(stored.snapshot().count + 1)
                fields["id"] = Int(id)
                stored.set(id, String(decoding: try! JSONSerialization.data(withJSONObject: fields), as: UTF8.self))
                return Canned(status: .created, headers: json, body: "{\"id\": \(id)}")
            case (.GET, let uri) where uri.hasPrefix("/notes/"):
                return stored.get(String(uri.dropFirst("/notes/".count))).map { Canned(headers: json, body: $0) } ?? Canned(status: .notFound, body: "{}")
            default: return Canned(status: .notFound, body: "{}")
            }
        })
    }
    let configuration = """
        scan:
          identities:
            alice: {role: user, login: {path: /login, json: {username: alice, password: pw}, token: /token}}
          endpoints:
            - {method: POST, path: /notes, json: {title: groceries}}
            - GET /notes/1
        """
    let (found, fixed) = try await contrast(notes(bindsEverything:), only: ["mass-assignment"], configuration: configuration)
    #expect(found.first?.message.contains("stored (read back) role=admin") == true, "\(found.map(\.message))")
    #expect(fixed.isEmpty)
}

@Test func anUndocumentedListingNextToADocumentedCreateIsFound() async throws {
    let spec = """
        {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/users": {"post": {
          "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"name": {"type": "string"}}}}}},
          "responses": {"201": {"description": "created"}}}}}}
        """
    func directory(lists: Bool) async throws -> TestServer {
        try await TestServer.start(receiving: { head, _ in
            let json = [("Content-Type", "application/json")]
            switch (head.method, head.uri) {
            case (.POST, "/login"): return Canned(headers: json, body: #"{"token": "t-alice-51"}"#)
            case (.POST, "/users"): return Canned(status: .created, headers: json, body: #"{"id": 7, "name": "x"}"#)
            case (.GET, "/users") where lists: return Canned(headers: json, body: #"[{"id": 1, "name": "root", "email": "root@example.com"}, {"id": 7, "name": "x"}]"#)
            case (.GET, "/users"): return Canned(status: .methodNotAllowed, headers: json, body: #"{"error": "method not allowed"}"#)
            default: return Canned(status: .notFound, body: "{}")
            }
        })
    }
    let configuration = """
        scan:
          identities:
            alice: {role: user, login: {path: /login, json: {username: alice, password: pw}, token: /token}}
        """
    for lists in [true, false] {
        let server = try await directory(lists: lists)
        let result = try await scan(server, spec: spec, only: ["undocumented-method"], configuration: configuration)
        await server.stop()
        #expect(result.findings.map { "\($0.location.method ?? "") \($0.location.path ?? "")" } == (lists ? ["GET /users"] : []), "\(result.findings.map(\.message))")
    }
}

@Test func sessionTokensAnyoneCouldMakeAreFoundAndRandomOnesAreNot() async throws {
    let configuration = """
        scan:
          identities:
            alice: {role: user, login: {path: /login, json: {username: alice, password: pw-a}, token: /token}}
            bob: {role: user, login: {path: /login, json: {username: bob, password: pw-b}, token: /token}}
        """
    let counter = LockedDictionary<Int>(["next": 1000])
    let issuers: [(String, @Sendable (String) -> String, String?)] = [
        ("shared", { _ in "static-session-token-0001" }, "alice and bob were given the same session token"),
        ("counting", { _ in let next = counter.get("next")! + 1; counter.set("next", next); return String(next) }, "they count up"),
        ("hashed", { name in Insecure.MD5.hash(data: Data(name.utf8)).map { String(format: "%02x", $0) }.joined() }, "the MD5 of the user name alice"),
        ("random", { _ in UUID().uuidString }, nil),
    ]
    for (name, issue, expected) in issuers {
        let server = try await TestServer.start(receiving: { head, body in
            guard head.method == .POST, head.uri == "/login", let fields = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: String],
                  let user = fields["username"] else { return Canned(status: .notFound, body: "{}") }
            return Canned(headers: [("Content-Type", "application/json")], body: "{\"token\": \"\(issue(user))\"}")
        })
        let found = try await scan(server, only: ["predictable-session-token"], configuration: configuration).findings
        await server.stop()
        if let expected {
            #expect(found.count == 1 && found[0].message.contains(expected), "\(name): \(found.map(\.message))")
        } else {
            #expect(found.isEmpty, "\(name): \(found.map(\.message))")
        }
    }
}

@Test func headersCookiesAndXMLElementsAreInjectionPointsToo() async throws {
    let spec = """
        {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
          "/reports": {"get": {"parameters": [{"name": "X-Tenant", "in": "header", "schema": {"type": "string", "example": "acme"}},
                                              {"name": "region", "in": "cookie", "schema": {"type": "string", "example": "eu"}}],
                               "responses": {"200": {"description": "ok"}}}},
          "/orders": {"post": {"requestBody": {"content": {"application/xml": {"schema": {"$ref": "#/components/schemas/order"}}}},
                               "responses": {"201": {"description": "created"}}}}},
          "components": {"schemas": {"order": {"type": "object", "properties": {"item": {"type": "string", "example": "tea"}, "note": {"type": "string", "example": "fast"}}}}}}
        """
    /// Pastes the tenant header, the region cookie and the order's note into SQL when `careless`.
    func shop(careless: Bool) async throws -> TestServer {
        try await TestServer.start(receiving: { head, body in
            func sql(_ value: String) -> Canned {
                careless && value.filter({ $0 == "'" }).count % 2 == 1
                    ? Canned(status: .internalServerError, body: "sqlite3.OperationalError: unrecognized token: \"'\(value)'\"")
                    : Canned(headers: [("Content-Type", "application/json")], body: #"{"rows": []}"#)
            }
            switch (head.method, head.uri) {
            case (.GET, "/reports"):
                let tenant = head.headers.first(name: "X-Tenant") ?? ""
                let region = head.headers.first(name: "Cookie").flatMap { ForgeableSession.cookie(named: "region", in: $0) }?.removingPercentEncoding ?? ""
                let answer = sql(tenant)
                return answer.status == .ok ? sql(region) : answer
            case (.POST, "/orders"):
                guard body.hasPrefix("<?xml"), body.contains("<order><item>"), let start = body.range(of: "<note>"), let end = body.range(of: "</note>") else { return Canned(status: .badRequest, body: "bad XML") }
                return sql(String(body[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "&amp;", with: "&"))
            default: return Canned(status: .notFound, body: "{}")
            }
        })
    }
    for careless in [true, false] {
        let server = try await shop(careless: careless)
        let result = try await scan(server, spec: spec, only: ["sql-injection"])
        await server.stop()
        let places = Set(result.findings.map { "\($0.location.path ?? "") \($0.location.parameter ?? "")" })
        #expect(places == (careless ? ["/reports X-Tenant", "/reports region", "/orders note"] : []), "\(result.findings.map(\.message))")
    }
}

/// A billing API with three roles: customers see their own invoices, support staff help them, managers alone list
/// refunds. Tokens travel in a `tok` cookie. `careless` lets any signed-in user read any invoice and every role list refunds.
private func billing(careless: Bool, logins: LockedDictionary<Double>) async throws -> TestServer {
    let users = ["t-alice": ("alice", "customer"), "t-bob": ("bob", "customer"), "t-sam": ("sam", "support"), "t-mia": ("mia", "manager")]
    let invoices = ["inv-1001": "alice", "inv-2002": "bob"]
    return try await TestServer.start(receiving: { head, body in
        let json = [("Content-Type", "application/json")]
        let caller = head.headers.first(name: "Cookie").flatMap { ForgeableSession.cookie(named: "tok", in: $0) }.flatMap { users[$0] }
        switch (head.method, head.uri) {
        case (.POST, "/login"):
            logins.set(UUID().uuidString, Date().timeIntervalSinceReferenceDate)
            guard let name = (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: String])?["user"],
                  let token = users.first(where: { $0.value.0 == name })?.key else { return Canned(status: .unauthorized, body: "{}") }
            return Canned(headers: json, body: "{\"token\": \"\(token)\"}")
        case (.GET, "/refunds"):
            guard let caller, careless || caller.1 == "manager" else { return Canned(status: .forbidden, headers: json, body: #"{"error": "managers only"}"#) }
            return Canned(headers: json, body: #"[{"id": 1, "amount": 120, "invoice": "inv-1001"}]"#)
        case (.GET, let uri) where uri.hasPrefix("/invoices/"):
            let id = String(uri.dropFirst("/invoices/".count))
            guard let caller, let owner = invoices[id], careless || owner == caller.0 else { return Canned(status: .notFound, headers: json, body: #"{"error": "no such invoice"}"#) }
            return Canned(headers: json, body: "{\"id\": \"\(id)\", \"owner\": \"\(owner)\", \"total\": 99}")
        default: return Canned(status: .notFound, body: "{}")
        }
    })
}

@Test func roleLaddersKnownObjectsTokenPlacementAndLoginSpacingFromRampartYml() async throws {
    func identity(_ name: String, _ role: String, _ level: Int, _ extra: String = "") -> String {
        "    \(name): {role: \(role), level: \(level)\(extra), login: {path: /login, json: {user: \(name)}, token: /token, token_in: cookie, token_name: tok}}\n"
    }
    let configuration = "scan:\n  login_spacing: 0.3\n  identities:\n"
        + identity("alice", "customer", 1, ", objects: {invoice: [inv-1001]}") + identity("bob", "customer", 1) + identity("sam", "support", 2) + identity("mia", "manager", 3)
        + "  endpoints:\n    - {method: GET, path: /refunds, only: [manager]}\n    - GET /invoices/inv-2002\n"
    let rules: Set = ["bfla-admin-operation", "bola-read"]
    let logins = LockedDictionary<Double>([:])
    let careless = try await billing(careless: true, logins: logins)
    defer { Task { await careless.stop() } }
    let found = try await scan(careless, only: rules, configuration: configuration).findings
    let bfla = found.first { $0.ruleId == "bfla-admin-operation" }
    #expect(bfla?.location.path == "/refunds" && bfla?.message.contains("alice (role customer, level 1)") == true, "\(found.map(\.message))")
    #expect(found.contains { $0.ruleId == "bola-read" && $0.message.contains("bob read alice's invoice inv-1001") }, "\(found.map(\.message))")
    // Four logins, each at least 0.3 s after the one before.
    let times = logins.all.sorted()
    #expect(times.count >= 4 && zip(times, times.dropFirst()).allSatisfy { $1 - $0 >= 0.28 }, "\(times)")

    let careful = try await billing(careless: false, logins: LockedDictionary([:]))
    defer { Task { await careful.stop() } }
    let quiet = try await scan(careful, only: rules, configuration: configuration).findings
    #expect(quiet.isEmpty, "\(quiet.map(\.message))")
}

@Test func nestedJSONLoginsAreTestedByPointerAndTheirSecretsRedacted() async throws {
    // {"auth": {"u": …, "k": …}}: names no word list knows, so rampart.yml names them; unknown users are told apart.
    func site(throttleAfter: Int?) async throws -> TestServer {
        let attempts = Counter()
        return try await TestServer.start(receiving: { head, body in
            guard head.uri == "/v2/session", head.method == .POST else { return Canned(status: .notFound, body: "{}") }
            if let limit = throttleAfter, attempts.increment() > limit { return Canned(status: .tooManyRequests, headers: [("Retry-After", "60")], body: "{}") }
            let auth = (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: [String: String]])?["auth"] ?? [:]
            let json = [("Content-Type", "application/json")]
            if auth["u"] == "alice" && auth["k"] == "Nested-Secret-41!" { return Canned(headers: json, body: #"{"data": {"jwt": "opaque-alice-token-93"}}"#) }
            return Canned(status: .unauthorized, headers: json, body: auth["u"] == "alice" ? #"{"error": "wrong key"}"# : #"{"error": "no such user"}"#)
        })
    }
    let identity = """
    scan:
      identities:
        alice:
          login: {path: /v2/session, json: {auth: {u: alice, k: Nested-Secret-41!}}, token: /data/jwt, user_field: /auth/u, password_field: /auth/k}
    """
    let rules: Set = ["user-enumeration", "login-no-brute-force-protection"]
    let open = try await site(throttleAfter: nil)
    defer { Task { await open.stop() } }
    let found = try await scan(open, only: rules, configuration: identity).findings
    #expect(Set(found.map(\.ruleId)) == rules, "\(found.map(\.message))")
    let written = String(decoding: try JSONEncoder().encode(found), as: UTF8.self)
    #expect(!written.contains("Nested-Secret-41!"), "the nested password is redacted")

    let throttled = try await site(throttleAfter: 4)
    defer { Task { await throttled.stop() } }
    #expect(try await scan(throttled, only: ["login-no-brute-force-protection"], configuration: identity).findings.isEmpty)
}

@Test func flaskSessionsSignedWithACommonKeyAreFoundAndRandomKeysAreNot() async throws {
    /// A cookie as Flask signs it: HMAC-SHA1 under HMAC-SHA1(key, "cookie-session") over `payload.timestamp`.
    func flaskCookie(key: String) -> String {
        let payload = Base64URL.encode(Data(#"{"_flashes":[{" t":["message","Invalid user or password"]}]}"#.utf8))
        let timestamp = Base64URL.encode(Data([0x69, 0x35, 0x4a, 0x10]))
        let derived = HMAC<Insecure.SHA1>.authenticationCode(for: Data("cookie-session".utf8), using: SymmetricKey(data: Data(key.utf8)))
        let signature = HMAC<Insecure.SHA1>.authenticationCode(for: Data("\(payload).\(timestamp)".utf8), using: SymmetricKey(data: Data(derived)))
        return "\(payload).\(timestamp).\(Base64URL.encode(Data(signature)))"
    }
    for (key, weak) in [("aaaaaaa", true), ("flask", true), (UUID().uuidString + UUID().uuidString, false)] {
        let cookie = flaskCookie(key: key)
        let server = try await TestServer.start { _ in Canned(headers: html + [("Set-Cookie", "session=\(cookie); HttpOnly; Path=/")], body: "<p>hello</p>") }
        let found = try await scan(server, only: ["weak-session-secret"]).findings
        await server.stop()
        #expect(found.count == (weak ? 1 : 0), "\(key): \(found.map(\.message))")
        let written = String(decoding: try JSONEncoder().encode(found), as: UTF8.self)
        #expect(!weak || !written.contains("\"\(key)") , "the key itself is not written out")
    }
}

@Test func wildcardKeysAreFoundWhereKeysAreMatchedAsPatterns() async throws {
    // Keys handed out by POST /api/key and checked on POST /api/post: by glob (`fnmatch`) or by equality.
    func api(globbing: Bool) async throws -> TestServer {
        try await TestServer.start(receiving: { head, _ in
            let json = [("Content-Type", "application/json")]
            switch (head.method, head.uri) {
            case (.POST, "/api/key"): return Canned(headers: json, body: #"{"key": "K7Q2-9XW1-ELLIOT"}"#)
            case (.POST, "/api/post"):
                let key = head.headers.first(name: "X-APIKEY") ?? ""
                let accepted = globbing ? fnmatch(key, "K7Q2-9XW1-ELLIOT", 0) == 0 : key == "K7Q2-9XW1-ELLIOT"
                return accepted ? Canned(body: "Post created.") : Canned(status: .unauthorized, headers: json, body: #"{"error": "invalid authentication"}"#)
            default: return Canned(status: .notFound, body: "{}")
            }
        })
    }
    let configuration = """
        scan:
          identities:
            elliot: {login: {path: /api/key, json: {username: elliot, password: pw}, token: /key, header: X-APIKEY, format: "{token}"}}
          endpoints:
            - {method: POST, path: /api/post, json: {text: hello}}
        """
    let (found, fixed) = try await contrast(api(globbing:), only: ["auth-bypass-wildcard-key"], configuration: configuration)
    #expect(found.count == 1 && found.first?.message.contains("accepted '*'") == true, "\(found.map(\.message))")
    #expect(fixed.isEmpty)
}

/// Two users logging in with `{"username": NAME}` and given the bearer token `t-NAME` (`tokenLogin`).
private let aliceAndBob = """
      identities:
        alice: {login: {path: /login, json: {username: alice}, token: /token}}
        bob: {login: {path: /login, json: {username: bob}, token: /token}}

    """

/// The login `aliceAndBob` use: the token `t-NAME` for any user name.
private func tokenLogin(_ body: String) -> Canned {
    let name = (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: String])?["username"] ?? ""
    return Canned(headers: [("Content-Type", "application/json")], body: "{\"token\": \"t-\(name)\"}")
}

@Test func ownerFieldsTheSchemaDoesNotOfferAreTriedWithAnotherUsersName() async throws {
    // Posts are listed per author at /api/post/NAME; `merges` takes the whole body over the author from the token.
    func blog(merges: Bool) async throws -> TestServer {
        let posts = LockedDictionary<String>([:])
        return try await TestServer.start(receiving: { head, body in
            let json = [("Content-Type", "application/json")]
            let caller = ["Bearer t-alice": "alice", "Bearer t-bob": "bob"][head.headers.first(name: "Authorization") ?? ""]
            switch (head.method, head.uri) {
            case (.POST, "/login"): return tokenLogin(body)
            case (.POST, "/api/post"):
                guard let caller, let sent = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], let text = sent["text"] as? String else {
                    return Canned(status: .unauthorized, body: "{}")
                }
                let author = merges ? (sent["username"] as? String ?? caller) : caller
                posts.set(UUID().uuidString, "\(author)\t\(text)")
                return Canned(body: "Post created.")
            case (.GET, let uri) where uri.hasPrefix("/api/post/"):
                let author = String(uri.dropFirst("/api/post/".count))
                let texts = posts.all.compactMap { line -> String? in let parts = line.split(separator: "\t"); return parts[0] == Substring(author) ? "\"\(parts[1])\"" : nil }
                return Canned(headers: json, body: "[\(texts.joined(separator: ","))]")
            default: return Canned(status: .notFound, body: "{}")
            }
        })
    }
    let configuration = "scan:\n" + aliceAndBob + """
          endpoints:
            - {method: POST, path: /api/post, json: {text: hello}}
            - GET /api/post/alice
        """
    let (found, fixed) = try await contrast(blog(merges:), only: ["mass-assignment"], configuration: configuration)
    #expect(found.count == 1 && found.first?.message.contains("published the object as bob: it is listed at /api/post/bob") == true, "\(found.map(\.message))")
    #expect(fixed.isEmpty)
}

@Test func objectsThatExistedBeforeTheScanAreHarvestedFromEachUsersListAndAttacked() async throws {
    // No way to create orders: each user has some already. `checksOwner: false` serves any order to anyone signed in.
    func shop(checksOwner: Bool) async throws -> TestServer {
        let orders = ["ord-91001": "alice", "ord-91002": "alice", "ord-92001": "bob"]
        return try await TestServer.start(receiving: { head, body in
            let json = [("Content-Type", "application/json")]
            let caller = ["Bearer t-alice": "alice", "Bearer t-bob": "bob"][head.headers.first(name: "Authorization") ?? ""]
            switch (head.method, head.uri) {
            case (.POST, "/login"): return tokenLogin(body)
            case (.GET, "/orders"):
                guard let caller else { return Canned(status: .unauthorized, body: "{}") }
                let own = orders.filter { $0.value == caller }.keys.sorted().map { "{\"id\": \"\($0)\", \"total\": 12}" }
                return Canned(headers: json, body: "{\"orders\": [\(own.joined(separator: ","))]}")
            case (.GET, let uri) where uri.hasPrefix("/orders/"):
                let id = String(uri.dropFirst("/orders/".count))
                guard let caller, let owner = orders[id], !checksOwner || owner == caller else { return Canned(status: .notFound, headers: json, body: #"{"error": "no such order"}"#) }
                return Canned(headers: json, body: "{\"id\": \"\(id)\", \"total\": 12}")
            default: return Canned(status: .notFound, body: "{}")
            }
        })
    }
    let configuration = "scan:\n" + aliceAndBob + """
          endpoints:
            - GET /orders
            - GET /orders/ord-92001
        """
    let (found, fixed) = try await contrast({ try await shop(checksOwner: !$0) }, only: ["bola-read"], configuration: configuration)
    #expect(found.first?.message.contains("bob read alice's object ord-9100") == true, "\(found.map(\.message))")
    #expect(fixed.isEmpty)
}

@Test func stringsNestedInJSONBodiesAreInjectionPoints() async throws {
    let spec = """
        {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/orders": {"post": {
          "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
            "note": {"type": "string"},
            "customer": {"type": "object", "properties": {"name": {"type": "string", "example": "ann"}, "address": {"type": "object", "properties": {"city": {"type": "string"}}}}}}}}}},
          "responses": {"201": {"description": "created"}}}}}}
        """
    // customer.address.city is pasted into SQL when `careless`.
    func shop(careless: Bool) async throws -> TestServer {
        try await TestServer.start(receiving: { head, body in
            guard head.method == .POST, head.uri == "/orders", let order = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
                return Canned(status: .notFound, body: "{}")
            }
            let city = ((order["customer"] as? [String: Any])?["address"] as? [String: Any])?["city"] as? String ?? ""
            if careless && city.filter({ $0 == "'" }).count % 2 == 1 { return Canned(status: .internalServerError, body: "sqlite3.OperationalError: unrecognized token: \"'\(city)'\"") }
            return Canned(status: .created, headers: [("Content-Type", "application/json")], body: #"{"id": 1}"#)
        })
    }
    for careless in [true, false] {
        let server = try await shop(careless: careless)
        let result = try await scan(server, spec: spec, only: ["sql-injection"])
        await server.stop()
        #expect(result.findings.map { $0.location.parameter ?? "" } == (careless ? ["/customer/address/city"] : []), "\(result.findings.map(\.message))")
    }
}
