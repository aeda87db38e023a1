import Foundation
import RampartCore
import RampartHTTP

/// Remembers work several checks need once: cracked JWT secrets.
actor SharedWork {
    private var secrets: [String: Task<String?, Never>] = [:]

    func secret(for token: String, wordlist: String?) async -> String? {
        if let task = secrets[token] { return await task.value }
        let task = Task { () -> String? in
            guard let jwt = JWT(token) else { return nil }
            if let secret = await JWTCracker.crack(jwt, candidates: JWTCracker.builtIn) { return secret }
            return await JWTCracker.crack(jwt, candidates: JWTCracker.candidates(wordlist: wordlist))
        }
        secrets[token] = task
        return await task.value
    }
}

/// A secured operation to test credentials against: it answers the identity with 2xx and a stranger with 401 or 403.
struct AuthProbe {
    var endpoint: Endpoint
    var session: Session
    var request: OutboundRequest
    var baseline: Exchange
    /// The identity's bearer token, when it has one.
    var token: String?
    var jwt: JWT? { token.flatMap(JWT.init) }
    /// The answer to a meaningless token presented as the identity presents its own: an API that answers errors
    /// with 2xx ("User does not exist") refuses this way, so 2xx alone is no acceptance there.
    var refusal: Exchange?

    /// `request` presenting `token` where and how the identity presents its own: its login's placement (a header
    /// with a format such as `JWT {token}`, a query parameter, a cookie), else a bearer token.
    static func presenting(_ token: String, for identity: Identity, in request: OutboundRequest) -> OutboundRequest {
        if case .login(_, _, nil, let placement) = identity.authentication { return placement.present(token, in: request) }
        return TokenPlacement.bearer.present(token, in: request)
    }

    /// Sends the probe presenting `token` instead of the identity's credentials (or with `query` items added); the
    /// exchange if it was accepted: 2xx, and unlike the refusal when the API refuses with 2xx.
    func accepted(_ scan: ScanContext, token: String? = nil, query: [URLQueryItem] = []) async -> Exchange? {
        var request = request
        if let token { request = Self.presenting(token, for: session.identity, in: request) }
        if !query.isEmpty, var components = URLComponents(url: request.url, resolvingAgainstBaseURL: false) {
            components.queryItems = (components.queryItems ?? []) + query
            request.url = components.url ?? request.url
        }
        guard let exchange = await scan.send(request, as: nil), exchange.response.isSuccess else { return nil }
        if let refusal = refusal?.response, refusal.isSuccess, refusal.body == exchange.response.body { return nil }
        return exchange
    }
}

/// A login the checks try other users and passwords on: an identity's (JSON or form), or one the description or the
/// crawl shows.
struct LoginTemplate {
    var request: OutboundRequest
    var body: [String: Any]
    /// The fields in the order the client sends them (forms are read in order by some servers).
    var order: [String]
    var form: Bool
    var userKey: String
    var passwordKey: String
    /// A user name known to exist (a configured identity's); nil for a login found without one.
    var knownUser: String?
    /// The JSON body as configured, when its fields are addressed by JSON pointer (`/user/name`): nested logins, or
    /// fields named by `user_field`/`password_field`. Then `body`'s keys are pointers too.
    var nested: Any?
    var location: Location { Location(of: request) }

    /// Sends the login anonymously with `changes` applied to its body.
    func attempt(_ scan: ScanContext, _ changes: [String: Any]) async -> Exchange? {
        if let nested {
            let json = changes.reduce(nested) { json, change in Session.setting(change.key, to: change.value, in: json) }
            return await scan.send(OutboundRequest(method: request.method, url: request.url, json: json), as: nil)
        }
        let fields = body.merging(changes) { $1 }
        guard form else { return await scan.send(OutboundRequest(method: request.method, url: request.url, json: fields), as: nil) }
        let encoded = Data(ScanContext.formEncoded(fields, order: order).utf8)
        return await scan.send(OutboundRequest(method: request.method, url: request.url, headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                               body: encoded), as: nil)
    }

    static func keys(of fields: [String]) -> (user: String, password: String)? {
        guard let password = fields.first(where: { $0.lowercased().contains("pass") }),
              let user = fields.first(where: { key in key != password && ["email", "user", "login", "name"].contains { key.lowercased().contains($0) } })
        else { return nil }
        return (user, password)
    }
}

extension ScanContext {
    /// The HMAC secret of the probe's token, cracked once per scan and shared by the checks that need it.
    func crackedSecret(of probe: AuthProbe) async -> String? {
        guard let token = probe.token else { return nil }
        return await shared.secret(for: token, wordlist: options.jwtWordlist)
    }

    /// A probe for `session` (or the first identity holding a bearer token, of `algorithm` when given): a secured GET
    /// without path placeholders that the identity gets (2xx) and a stranger does not (any other status: some APIs
    /// fail with 500 without credentials).
    func authProbe(for wanted: Session? = nil, algorithm: String? = nil) async -> AuthProbe? {
        // Identities holding a JWT first (the token checks need one), then the rest; only `algorithm`'s when given.
        var withJWT: [Session] = [], without: [Session] = []
        for session in wanted.map({ [$0] }) ?? sessions {
            let jwt = (try? await session.token()).flatMap(JWT.init)
            if let jwt, algorithm == nil || jwt.algorithm == algorithm { withJWT.append(session) } else if algorithm == nil { without.append(session) }
        }
        let candidates = withJWT + without
        let gets = endpoints.filter { $0.method == "GET" && $0.isSecured && $0.pathParameters.isEmpty && !$0.isAdminOnly }
        for session in candidates {
            for endpoint in gets {
                let request = self.request(endpoint, identity: session.identity.name)
                guard let baseline = await send(request, as: session.identity.name, endpoint: endpoint), baseline.response.isSuccess,
                      let anonymous = await send(request, as: nil), !anonymous.response.isSuccess else { continue }
                let token = try? await session.token()
                var refusal: Exchange?
                if token != nil {
                    refusal = await send(AuthProbe.presenting("rampart.invalid.token", for: session.identity, in: request), as: nil)
                }
                return AuthProbe(endpoint: endpoint, session: session, request: request, baseline: baseline, token: token, refusal: refusal)
            }
        }
        return nil
    }

    /// The login of the first identity that logs in with a body (JSON or form) naming a user and a password; else a
    /// login the description or the crawl shows: a POST taking a user and a password field and little else (a
    /// sign-up form asks for more).
    var loginTemplate: LoginTemplate? {
        for session in sessions {
            guard case .login(let template, _, _, _) = session.identity.authentication, let request = template.request(base: base),
                  let fields = template.bodyFields else { continue }
            let leaves = template.jsonLeaves
            // Nested JSON, or fields named in rampart.yml: addressed by pointer.
            if !template.isForm, session.identity.loginFields != nil || leaves.contains(where: { $0.pointer.dropFirst().contains("/") }),
               let keys = session.identity.loginFields ?? LoginTemplate.keys(of: leaves.map(\.pointer)),
               let json = template.body.flatMap({ try? JSONSerialization.jsonObject(with: $0) }) {
                let body = Dictionary(leaves.map { ($0.pointer, $0.value) }, uniquingKeysWith: { first, _ in first })
                return LoginTemplate(request: request, body: body, order: leaves.map(\.pointer), form: false, userKey: keys.user, passwordKey: keys.password,
                                     knownUser: body[keys.user] as? String, nested: json)
            }
            guard let keys = session.identity.loginFields ?? LoginTemplate.keys(of: fields.map(\.name)) else { continue }
            let body = Dictionary(fields, uniquingKeysWith: { first, _ in first })
            return LoginTemplate(request: request, body: body, order: fields.map(\.name), form: template.isForm, userKey: keys.user, passwordKey: keys.password,
                                 knownUser: body[keys.user] as? String)
        }
        let signUpWords = ["register", "signup", "sign-up", "sign_up", "create", "join", "new"]
        for endpoint in endpoints where endpoint.method == "POST" && endpoint.pathParameters.isEmpty
            && !signUpWords.contains(where: { endpoint.path.lowercased().contains($0) }) {
            guard let body = exampleBody(endpoint, identity: nil), body.count <= 3, let keys = LoginTemplate.keys(of: endpoint.bodyFieldOrder),
                  endpoint.bodySchema.flatMap({ $0["properties"]?[keys.password]?["format"]?.node.string }) == "password"
                    || endpoint.operation.isAuthenticationEndpoint else { continue }
            return LoginTemplate(request: request(endpoint, identity: nil), body: body, order: endpoint.bodyFieldOrder, form: endpoint.takesFormBody,
                                 userKey: keys.user, passwordKey: keys.password, knownUser: nil)
        }
        return nil
    }
}

extension Identity {
    /// The name the identity logs in with: its login body's user field (the one `user_field` names, else the first
    /// named like a user), else the identity's own name.
    var loginName: String {
        guard case .login(let template, _, _, _) = authentication else { return name }
        let fields = template.isForm ? (template.bodyFields ?? []) : template.jsonLeaves.map { (name: $0.pointer, value: $0.value) }
        let user = fields.first { $0.name == loginFields?.user }
            ?? fields.first { field in
                let name = field.name.lowercased().split(separator: "/").last.map(String.init) ?? ""
                return ["user", "login", "email", "name"].contains(where: name.contains) && !name.contains("pass")
            }
        return user.map { "\($0.value)" } ?? name
    }

    /// The path the identity logs in at, when it logs in with a request.
    var loginPath: String? {
        if case .login(let template, _, _, _) = authentication { return template.path }
        return nil
    }
}
