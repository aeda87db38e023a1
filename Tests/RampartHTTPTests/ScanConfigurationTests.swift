import Foundation
import RampartHTTP
import RampartSpec
import Testing

private func parse(_ text: String, environment: [String: String] = [:]) throws -> ScanConfiguration {
    try ScanConfiguration.parse(SpecDocument(text: text, file: "rampart.yml").root, environment: environment)
}

@Test func everyAuthenticationKindIsRead() throws {
    let configuration = try parse("""
    scan:
      identities:
        a: {role: user, headers: {X-Token: abc}}
        b: {basic: {username: bob, password: "${BOB_PASSWORD}"}}
        c: {api_key: {name: key, in: query, value: k1}}
        d: {cookies: {session: s1}}
        e: {login: {path: /login, form: {user: e, pass: p}, cookie: sid}}
        f: {oauth2: {token_url: /token, client_id: id, client_secret: "${SECRET:-fallback}", scope: read}}
      setup:
        - {method: POST, path: /reset}
    """, environment: ["BOB_PASSWORD": "from-env"])
    #expect(configuration.identities.count == 6)
    #expect(configuration.setup.map(\.path) == ["/reset"])
    guard case .basic(_, let password) = configuration.identities[1].authentication else { Issue.record("b is basic"); return }
    #expect(password == "from-env")
    guard case .clientCredentials(_, _, let secret, let scope) = configuration.identities[5].authentication else { Issue.record("f is oauth2"); return }
    #expect(secret == "fallback" && scope == "read")
    guard case .login(let template, nil, "sid", .bearer) = configuration.identities[4].authentication else { Issue.record("e logs in"); return }
    #expect(template.method == "POST" && String(decoding: template.body ?? .init(), as: UTF8.self) == "user=e&pass=p")
}

@Test(arguments: [
    ("scan:\n  identities:\n    a: {rol: user}\n", "rampart.yml:3:9: unknown key 'rol' in identity 'a' (expected: role, level, objects, signup, headers, basic, api_key, cookies, login, oauth2)"),
    ("scan:\n  identities: [a, b]\n", "rampart.yml:2:3: 'scan.identities' must map names to identities"),
    ("scan:\n  identities:\n    a:\n      basic: {username: u, password: \"${NOPE}\"}\n", "rampart.yml:4:28: environment variable NOPE is not set (write ${NOPE:-default} for a fallback)"),
    ("scan:\n  identities:\n    a:\n      login: {path: /login, json: {}}\n", "rampart.yml:4:7: the login of 'a' needs 'token' (a JSON pointer into the response) or 'cookie' (a cookie name)"),
    ("scan:\n  identities:\n    a:\n      login: {path: /login, token: token}\n", "rampart.yml:4:29: 'token' must be a JSON pointer such as /token or /data/access_token"),
    ("scan:\n  identities:\n    a:\n      headers: {A: b}\n      basic: {username: u, password: p}\n", "rampart.yml:3:5: identity 'a' has more than one way to authenticate; keep one"),
    ("scan:\n  setup:\n    - {method: FETCH, path: /x}\n", "rampart.yml:3:8: 'FETCH' is not an HTTP method"),
    ("scan:\n  setup:\n    - {method: GET}\n", "rampart.yml:3:7: a setup step needs a 'path'"),
    ("scan:\n  endpoints: GET /a\n", "rampart.yml:2:3: 'scan.endpoints' must be a list ('GET /path' or {method, path, json|form, only})"),
    ("scan:\n  endpoints: [FETCH /a]\n", "rampart.yml:2:15: an endpoint is 'METHOD /path' (e.g. 'GET /protected') or a mapping {method, path, json|form}"),
    ("scan:\n  endpoints: [{path: /a, body: x, json: {}}]\n", "rampart.yml:2:15: an endpoint may have only one of json, body, form"),
    ("scan:\n  rps: 3\n", "rampart.yml:2:3: unknown key 'scan.rps' (expected: identities, setup, endpoints, only, login_spacing)"),
    ("scan:\n  identities:\n    a: {level: 1.5}\n", "rampart.yml:3:9: 'level' must be a whole number from 0 to 1000 (more is more privileged)"),
    ("scan:\n  identities:\n    a: {objects: [inv-1]}\n", "rampart.yml:3:9: 'objects' maps kinds to ids, e.g. {invoice: [inv-1001, inv-1002]}"),
    ("scan:\n  identities:\n    a: {objects: {invoice: inv-1}}\n", "rampart.yml:3:19: 'objects.invoice' must be a list of ids"),
    ("scan:\n  only: {\"POST refunds\": [manager]}\n", "rampart.yml:2:10: 'POST refunds' in 'scan.only' is not 'METHOD /path' (e.g. 'POST /refunds') or a GraphQL field ('mutation deleteUser')"),
    ("scan:\n  only: {\"POST /refunds\": manager}\n", "rampart.yml:2:10: 'only' must be a non-empty list of roles, e.g. [manager]"),
    ("scan:\n  endpoints: [{path: /a, only: []}]\n", "rampart.yml:2:26: 'only' must be a non-empty list of roles, e.g. [manager]"),
    ("scan:\n  login_spacing: -1\n", "rampart.yml:2:3: 'scan.login_spacing' must be seconds between 0 and 300"),
    ("scan:\n  identities:\n    a:\n      login: {path: /l, token: /t, token_in: body}\n", "rampart.yml:4:36: 'token_in' must be header, query, cookie or graphql, not 'body'"),
    ("scan:\n  identities:\n    a:\n      login: {path: /l, token: /t, token_in: query, header: X-T}\n", "rampart.yml:4:53: 'header' and 'format' apply to token_in: header only"),
    ("scan:\n  identities:\n    a:\n      login: {path: /l, token: /t, format: Bearer}\n", "rampart.yml:4:36: 'format' must contain {token}, e.g. 'Bearer {token}'"),
    ("scan:\n  identities:\n    a:\n      login: {path: /l, token: /t, user_field: /u}\n", "rampart.yml:4:7: 'user_field' and 'password_field' go together"),
    ("scan:\n  identities:\n    a:\n      login: {path: /l, json: {u: x, p: y}, token: /t, user_field: /u, password_field: /pw}\n", "rampart.yml:4:72: 'password_field' /pw is not in the login body (it has /p, /u)"),
])
func badConfigurationsNameTheLine(_ text: String, _ message: String) {
    #expect(throws: SpecError.self) { try parse(text) }
    do { _ = try parse(text) } catch { #expect("\(error)" == message) }
}

@Test func endpointsAreReadFromWordsOrRequests() throws {
    let configuration = try parse("""
    scan:
      endpoints:
        - GET /protected
        - {method: POST, path: /login/, json: {username: a, password: b}}
        - {path: /search, form: {q: x}}
    """)
    #expect(configuration.endpoints.map(\.method) == ["GET", "POST", "GET"])
    #expect(configuration.endpoints.map(\.path) == ["/protected", "/login/", "/search"])
    #expect(configuration.endpoints[1].body.map { String(decoding: $0, as: UTF8.self) }?.contains("\"username\"") == true)
}

@Test func rolesLevelsObjectsRestrictionsAndTokenPlacementsAreRead() throws {
    let configuration = try parse("""
    scan:
      login_spacing: 1.5
      only: {"DELETE /users/{id}": [admin], "mutation deleteUser": [admin]}
      identities:
        alice: {role: customer, objects: {invoice: [inv-1001, 7]}, login: {path: /login, json: {u: a}, token: /t, token_in: query}}
        sam: {role: support, level: 2, login: {path: /login, json: {u: s}, token: /t, token_in: cookie, token_name: tok}}
        ann: {role: admin, login: {path: /login, json: {u: n}, token: /t, header: X-Auth, format: "Token {token}"}}
        gus: {login: {path: /login, json: {u: g}, token: /t, token_in: graphql}}
      endpoints:
        - {method: POST, path: /refunds, json: {amount: 1}, only: [manager, admin]}
    """)
    #expect(configuration.loginSpacing == 1.5)
    #expect(configuration.identities.map(\.level) == [1, 2, 100, 1])
    #expect(configuration.identities[0].objects == ["invoice": ["inv-1001", "7"]])
    #expect(configuration.roles(method: "DELETE", path: "/users/{userId}") == ["admin"])
    #expect(configuration.roles(method: "POST", path: "/refunds") == ["manager", "admin"])
    #expect(configuration.roles(method: "GET", path: "/refunds") == nil)
    #expect(configuration.roles(graphQL: "mutation", field: "deleteUser") == ["admin"])
    #expect(configuration.roles(graphQL: "query", field: "deleteUser") == nil)
    let placements = configuration.identities.compactMap { identity -> TokenPlacement? in
        if case .login(_, _, _, let placement) = identity.authentication { return placement }
        return nil
    }
    #expect(placements == [.query(name: "access_token"), .cookie(name: "tok"), .header(name: "X-Auth", format: "Token {token}"), .graphQLArgument(name: "token")])
    let request = OutboundRequest(method: "GET", url: URL(string: "http://127.0.0.1/a?x=1")!, headers: [("Cookie", "c=1")])
    #expect(placements[0].present("T", in: request).url.absoluteString == "http://127.0.0.1/a?x=1&access_token=T")
    #expect(placements[1].present("T", in: request).header("Cookie") == "c=1; tok=T")
    #expect(placements[2].present("T", in: request).header("X-Auth") == "Token T")
}
