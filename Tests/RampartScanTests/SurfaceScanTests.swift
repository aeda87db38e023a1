import Foundation
import NIOHTTP1
import RampartCore
import RampartHTTP
@testable import RampartScan
import RampartSpec
import RampartTestSupport
import Testing

/// Scans of APIs without a description: the crawl finds pages and forms, every field is an injection point, and the
/// checks that are not planted in the lab (classes the third-party targets have) fire on a positive and stay quiet
/// on a negative. `Benchmarks/scan/targets.sh` runs them against the real third-party apps.
private func scan(_ server: TestServer, only rules: Set<String>) async throws -> [Finding] {
    var options = ScanOptions()
    options.onlyRules = rules
    let runner = ScanRunner(target: server.httpURL, description: nil, configuration: ScanConfiguration(),
                            engineOptions: EngineOptions(requestsPerSecond: nil), options: options)
    return try await runner.run().findings
}

/// A site whose home page links a form (GET, so the fixture sees its fields in the query) and a page with an id.
private func site(form action: String, field: String, value: String = "", answer: @escaping @Sendable (String, [String: String]) -> Canned) async throws -> TestServer {
    try await TestServer.start { head in
        let components = URLComponents(string: head.uri)
        let path = components?.path ?? "/"
        let query = Dictionary((components?.queryItems ?? []).map { ($0.name, $0.value ?? "") }) { a, _ in a }
        if path == "/" {
            let escaped = value.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            return Canned(headers: [("Content-Type", "text/html")], body: """
                <html><body><a href="/about">About</a> <a href="/logout">Log out</a>
                <form method="get" action="\(action)"><textarea name="\(field)">\(escaped)</textarea><input type="submit" value="Go"></form></body></html>
                """)
        }
        if path == "/logout" { return Canned(status: .internalServerError, body: "the crawl must not follow this") }
        return answer(path, query)
    }
}

@Test func pagesFormsAndTextareasAreRead() throws {
    let page = URL(string: "http://127.0.0.1:1/app/")!
    let html = """
    <a href="/home/1">one</a><a href='other?x=1&amp;y=2'>x</a><img src="/static/img?image=key.svg"><a href="javascript:void(0)">no</a>
    <FORM METHOD=post action="/login"><input name=username><input type="password" name="password"><input type=file name=f>
    <textarea name="xml"><items>&lt;a&gt;</items></textarea><select name="s"><option value="1">1</option></select></FORM>
    """
    let links = PageLinks(page: page, text: html, contentType: "text/html")
    #expect(links.links.map(\.absoluteString) == ["http://127.0.0.1:1/home/1", "http://127.0.0.1:1/app/other?x=1&y=2", "http://127.0.0.1:1/static/img?image=key.svg"])
    #expect(links.forms.count == 1)
    #expect(links.forms.first?.method == "POST" && links.forms.first?.takesPassword == true)
    #expect(links.forms.first?.fields.map(\.name) == ["username", "password", "xml", "s"], "file inputs are not sent")
    #expect(links.forms.first?.fields.first { $0.name == "xml" }?.value == "<items><a></items>")
    let json = PageLinks(page: page, text: #"{"next": "/api/items?page=2", "name": "a b", "self": "https://other.example/x"}"#, contentType: "application/json")
    #expect(Set(json.links.map(\.absoluteString)) == ["http://127.0.0.1:1/api/items?page=2", "https://other.example/x"])
    let operation = SurfaceCrawler.operation(method: "GET", url: URL(string: "http://h/home/42/items/0f8fad5b-d9cb-469f-a165-70867728950e?q=x")!)
    #expect(operation.path == "/home/{id}/items/{id2}" && operation.query.map(\.name) == ["q"])
    #expect(SurfaceCrawler.looksDestructive(URL(string: "http://h/account/logout")!) && !SurfaceCrawler.looksDestructive(URL(string: "http://h/home")!))
    #expect(SurfaceCrawler.robotsPaths("User-agent: *\nDisallow: /backups\nAllow: /public/*\nDisallow:\n") == ["/backups", "/public/"])
}

@Test func aFormFieldWithAnOrdinaryNameIsInjected() async throws {
    let server = try await site(form: "/search", field: "text") { path, query in
        guard path == "/search" else { return Canned(status: .notFound, body: "not found") }
        let text = query["text"] ?? ""
        return text.contains("'") ? Canned(status: .ok, body: "<p>unrecognized token: \"\(text)\"</p>") : Canned(body: "<p>no results</p>")
    }
    defer { Task { await server.stop() } }
    let findings = try await scan(server, only: ["sql-injection"])
    #expect(findings.map(\.ruleId) == ["sql-injection"])
    #expect(findings.first?.location.path == "/search" && findings.first?.location.parameter == "text")
}

@Test func backtrackingValidationIsFoundAndASlowButFlatServerIsNot() async throws {
    // Answer time multiplying with each extra character of 'aaa…!', as a backtracking pattern does (about 1.8× a character).
    let backtracking = try await site(form: "/verify", field: "email") { _, query in
        let length = query["email"]?.count ?? 0
        return Canned(body: "Not matched!", delay: .milliseconds(Int64(pow(1.8, Double(max(0, length - 12))))))
    }
    defer { Task { await backtracking.stop() } }
    // A timing check: on a machine loaded by the other tests one run may time out; three tries, one must find it.
    var found: [String] = []
    for _ in 0..<3 where found.isEmpty { found = try await scan(backtracking, only: ["regex-dos"]).map(\.ruleId) }
    #expect(found == ["regex-dos"])

    let slow = try await site(form: "/verify", field: "email") { _, _ in Canned(body: "Not matched!", delay: .milliseconds(450)) }
    defer { Task { await slow.stop() } }
    #expect(try await scan(slow, only: ["regex-dos"]).isEmpty, "slow alike at every length is not ReDoS")
}

@Test func externalEntitiesInTheAPIsOwnXMLAreFoundAndEchoedXMLIsNot() async throws {
    let passwd = "root:x:0:0:root:/root:/bin/bash"
    // Resolves the entity only when it is declared and referenced inside the API's own root element.
    let resolving = try await site(form: "/items", field: "document", value: "<items><item>one</item></items>") { _, query in
        let xml = query["document"] ?? ""
        let resolves = xml.contains(#"SYSTEM "file:///etc/passwd""#) && xml.contains("<items>") && xml.contains("&rampart;")
        return Canned(body: resolves ? "<items>\(passwd)</items>" : xml)
    }
    defer { Task { await resolving.stop() } }
    let found = try await scan(resolving, only: ["xxe"])
    #expect(found.map(\.ruleId) == ["xxe"] && found.first?.location.parameter == "document")

    let echoing = try await site(form: "/items", field: "document", value: "<items><item>one</item></items>") { _, query in Canned(body: query["document"] ?? "") }
    defer { Task { await echoing.stop() } }
    #expect(try await scan(echoing, only: ["xxe"]).isEmpty, "an echo of the payload is not an expansion")
}

@Test func debugPagesAndOpenCORSAreSeenOnAnyAnswer() async throws {
    let werkzeug = try await site(form: "/search", field: "q") { _, _ in
        Canned(status: .internalServerError, headers: [("Access-Control-Allow-Origin", "*")],
               body: "<title>KeyError // Werkzeug Debugger</title><h2>Traceback (most recent call last)</h2>")
    }
    defer { Task { await werkzeug.stop() } }
    let findings = try await scan(werkzeug, only: ["debug-page-exposed", "cors-any-origin"])
    #expect(Set(findings.map(\.ruleId)) == ["debug-page-exposed", "cors-any-origin"])
    #expect(findings.first { $0.ruleId == "debug-page-exposed" }?.message.contains("Werkzeug debugger") == true)

    let plain = try await site(form: "/search", field: "q") { _, _ in Canned(status: .notFound, body: #"{"error": "not found"}"#) }
    defer { Task { await plain.stop() } }
    #expect(try await scan(plain, only: ["debug-page-exposed", "cors-any-origin"]).isEmpty)
}

/// A login page whose form posts `username` then `password`; `accepts` decides from the decoded fields.
private func loginSite(setsCookieAlways: Bool = false, accepts: @escaping @Sendable ([(String, String)]) -> Bool) async throws -> TestServer {
    try await TestServer.start(receiving: { head, body in
        if head.uri == "/" {
            return Canned(headers: [("Content-Type", "text/html")], body: #"<form method="post" action="/login"><input name="username"><input type="password" name="password"></form>"#)
        }
        guard head.uri == "/login", head.method == .POST else { return Canned(status: .notFound, body: "no") }
        var form = URLComponents()
        form.percentEncodedQuery = body
        let fields = (form.queryItems ?? []).map { ($0.name, $0.value ?? "") }
        let cookie = [("Set-Cookie", "session=\(UUID().uuidString); Path=/")]
        if accepts(fields) { return Canned(headers: cookie, body: "<p>Welcome</p>") }
        return Canned(headers: setsCookieAlways ? cookie : [], body: "<p>Invalid credentials</p>")
    })
}

@Test func aLoginBypassedByAQuoteAndCommentIsFoundAndFieldsKeepThePageOrder() async throws {
    // Fields are read in order (as some frameworks do) and the user name is pasted into `… WHERE user='…' AND pass='…'`:
    // a true condition with the rest commented out logs in.
    let vulnerable = try await loginSite { fields in
        guard fields.map(\.0) == ["username", "password"], let user = fields.first?.1 else { return false }
        return user.hasSuffix("' OR '1'='1'--") || user.hasSuffix("' OR 1=1--")
    }
    defer { Task { await vulnerable.stop() } }
    let found = try await scan(vulnerable, only: ["sql-injection"])
    #expect(found.map(\.ruleId) == ["sql-injection"] && found.first?.location.parameter == "username", "\(found.map(\.message))")

    let parameterised = try await loginSite { _ in false }
    defer { Task { await parameterised.stop() } }
    #expect(try await scan(parameterised, only: ["sql-injection"]).isEmpty)
    let cookieForEveryone = try await loginSite(setsCookieAlways: true) { _ in false }
    defer { Task { await cookieForEveryone.stop() } }
    #expect(try await scan(cookieForEveryone, only: ["sql-injection"]).isEmpty, "a cookie on every answer is no sign of a login")
}

/// An API known only from `rampart.yml`: `POST /auth` issues a token, `GET /protected` takes `Authorization: JWT <token>`,
/// fails with 500 without one and answers 200 "User does not exist" to a token it refuses (an error carried as 200).
private func tokenAPI(acceptsUnsignedNONE: Bool) async throws -> TestServer {
    let issued = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZGVudGl0eSI6MX0.c2lnbmF0dXJl"
    return try await TestServer.start(receiving: { head, _ in
        switch (head.method, head.uri) {
        case (.POST, "/auth"): return Canned(headers: [("Content-Type", "application/json")], body: #"{"access_token": "\#(issued)"}"#)
        case (.GET, "/protected"):
            guard let value = head.headers.first(name: "Authorization"), value.hasPrefix("JWT ") else {
                return Canned(status: .internalServerError, body: "KeyError: Authorization")
            }
            let token = String(value.dropFirst(4))
            if token == issued { return Canned(body: "Welcome user: guest") }
            // Decoded as plain padded base64, as some servers do: the header must be padded to be read at all.
            let segment = String(token.split(separator: ".", omittingEmptySubsequences: false).first ?? "")
            if acceptsUnsignedNONE, let data = Data(base64Encoded: segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")),
               String(decoding: data, as: UTF8.self).contains(#""alg":"NONE""#), token.hasSuffix(".") {
                return Canned(body: "Welcome user: guest")
            }
            return Canned(body: "User does not exist")
        default: return Canned(status: .notFound, body: "not found")
        }
    })
}

@Test func tokensGoWhereTheIdentityPutsThemAndErrorsAnsweredWith200AreRefusals() async throws {
    let configuration = try ScanConfiguration.parse(RampartSpec.SpecDocument(text: """
    scan:
      identities:
        user:
          login: {path: /auth, json: {username: user, password: user}, token: /access_token, format: "JWT {token}"}
      endpoints:
        - GET /protected
    """, file: "rampart.yml").root)
    func findings(_ server: TestServer) async throws -> [String] {
        var options = ScanOptions()
        options.onlyRules = ["jwt-none-algorithm", "jwt-signature-not-verified", "auth-not-enforced"]
        let runner = ScanRunner(target: server.httpURL, description: nil, configuration: configuration,
                                engineOptions: EngineOptions(requestsPerSecond: nil), options: options)
        return try await runner.run().findings.map(\.ruleId)
    }
    let vulnerable = try await tokenAPI(acceptsUnsignedNONE: true)
    defer { Task { await vulnerable.stop() } }
    #expect(try await findings(vulnerable) == ["jwt-none-algorithm"], "found through the JWT scheme, with a padded header")
    let verifying = try await tokenAPI(acceptsUnsignedNONE: false)
    defer { Task { await verifying.stop() } }
    #expect(try await findings(verifying).isEmpty, "\"User does not exist\" with 200 is a refusal")
}

@Test func forgottenPathsAreLookedForUnderEveryFolderTheAPILivesIn() async throws {
    // Nothing links /api/v1/debug; the crawl finds /api/v1/items from the home page and looks beside it.
    func site(debugBesideTheAPI: Bool) async throws -> TestServer {
        try await TestServer.start { head in
            let json = [("Content-Type", "application/json")]
            switch head.uri {
            case "/": return Canned(headers: [("Content-Type", "text/html")], body: #"<a href="/api/v1/items">items</a>"#)
            case "/api/v1/items": return Canned(headers: json, body: #"[{"id": 1, "name": "tea"}]"#)
            case "/api/v1/debug" where debugBesideTheAPI:
                return Canned(status: .internalServerError, headers: [("Content-Type", "text/html")],
                              body: "<title>KeyError // Werkzeug Debugger</title><p>The debugger caught an exception in your WSGI application.</p>")
            default: return Canned(status: .notFound, headers: json, body: #"{"error": "not found"}"#)
            }
        }
    }
    let careless = try await site(debugBesideTheAPI: true)
    let found = try await scan(careless, only: ["debug-page-exposed"])
    await careless.stop()
    #expect(found.map(\.location.path) == ["/api/v1/debug"], "\(found.map(\.message))")
    #expect(SurfaceCrawler.prefixProbes(["/api/v1/items", "/api/v1/orders/", "/home/{id}", "/"]).prefix(3) == ["/api/debug", "/api/_debug", "/api/admin"])

    let careful = try await site(debugBesideTheAPI: false)
    #expect(try await scan(careful, only: ["debug-page-exposed"]).isEmpty)
    await careful.stop()
}

@Test func secretsInAnyAnswerOfTheScanAreSeenNotOnlyInCheckedOperations() async throws {
    // Only the crawl reads /api/members: a public JSON list that hands out password hashes, or does not.
    func site(leaks: Bool) async throws -> TestServer {
        try await TestServer.start { head in
            switch head.uri {
            case "/": return Canned(headers: [("Content-Type", "text/html")], body: #"<a href="/api/members">members</a>"#)
            case "/api/members":
                let member = leaks ? #"{"id": 1, "name": "ann", "password_hash": "$2b$12$Qm9vbGVhbkhhc2hlZFBhc3N3b3Jk"}"# : #"{"id": 1, "name": "ann"}"#
                return Canned(headers: [("Content-Type", "application/json")], body: "[\(member)]")
            default: return Canned(status: .notFound, body: "{}")
            }
        }
    }
    let leaking = try await site(leaks: true)
    let found = try await scan(leaking, only: ["sensitive-data-exposure"])
    await leaking.stop()
    #expect(found.count == 1 && found.first?.message == "GET /api/members returns [].password_hash", "\(found.map(\.message))")
    let quiet = try await site(leaks: false)
    #expect(try await scan(quiet, only: ["sensitive-data-exposure"]).isEmpty)
    await quiet.stop()
}
