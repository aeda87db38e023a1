import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird

/// The lab's API. Each deliberate flaw is marked `Flaw (APIn)` and listed in docs/lab.md; `state.secure` turns them all off.
struct LabRoutes: Sendable {
    let state: LabState
    var secure: Bool { state.secure }
    typealias Handler = @Sendable (Request, BasicRequestContext) async throws -> Response
    typealias UserHandler = @Sendable (Request, BasicRequestContext, Row) async throws -> Response

    func register(on router: Router<BasicRequestContext>) {
        registerAuth(on: router)
        registerAccounts(on: router)
        registerOrders(on: router)
        registerProducts(on: router)
        registerIntegrations(on: router)
        registerAdmin(on: router)
        if !secure { registerForgotten(on: router) }
    }

    // MARK: Identity

    /// The signed-in user: a bearer token (header, or the `bank_session` cookie the login sets), an API key
    /// (`X-API-Key`, shown on the profile), or HTTP basic with e-mail and password. The vulnerable lab also
    /// takes the token from `?access_token=`.
    func user(_ request: Request) -> Row? {
        let authorization = request.headers[.authorization] ?? ""
        if authorization.lowercased().hasPrefix("basic ") { return basicUser(String(authorization.dropFirst(6))) }
        if let key = request.headers[HTTPField.Name("X-API-Key")!] {
            return try? state.database.query("SELECT * FROM users WHERE api_key = ?", [.text(key)]).first
        }
        var token: String?
        if authorization.lowercased().hasPrefix("bearer ") {
            token = String(authorization.dropFirst(7))
        } else if let cookie = request.cookies["bank_session"] {
            token = cookie.value
        } else if !secure, let query = request.uri.queryParameters.get("access_token") {
            token = query  // Flaw (API2): credentials accepted in the URL.
        }
        guard let claims = token.flatMap({ state.tokens.verify($0) }),
              var row = try? state.database.query("SELECT * FROM users WHERE id = ?", [.integer(claims.subject)]).first else { return nil }
        // The role in a token is what the lab trusts (a forged token can claim any role).
        row["role"] = .text(claims.role)
        return row
    }

    func basicUser(_ encoded: String) -> Row? {
        guard let decoded = Data(base64Encoded: encoded).map({ String(decoding: $0, as: UTF8.self) }),
              let colon = decoded.firstIndex(of: ":"),
              let row = try? state.database.query("SELECT * FROM users WHERE email = ?", [.text(String(decoded[..<colon]))]).first,
              row["password_hash"]?.text == LabState.hash(String(decoded[decoded.index(after: colon)...])) else { return nil }
        return row
    }

    func authed(_ handler: @escaping UserHandler) -> Handler {
        { request, context in
            guard let user = user(request) else { return LabJSON.error(.unauthorized, "authentication required") }
            return try await handler(request, context, user)
        }
    }

    /// Reads a JSON body; bad input is a 400 in the secure lab and a stack trace in the vulnerable one.
    func body(_ request: Request) async -> BodyResult {
        let problem: BodyProblem
        do {
            return .json(try await request.jsonObject(limit: secure ? 64 * 1024 : 32 * 1024 * 1024))
        } catch {
            problem = error
        }
        switch problem {
        case .tooLarge:
            return .refused(LabJSON.error(.contentTooLarge, "request body too large"))
        case .invalid(let reason):
            guard !secure else { return .refused(LabJSON.error(.badRequest, "invalid JSON body")) }
            // Flaw (API8): verbose error with internals.
            return .refused(LabJSON.text(.internalServerError, """
                Fatal error: JSONSerialization failed: \(reason)
                Stack trace:
                  at RampartLab.LabRoutes.body(_:) (LabRoutes.swift:58)
                  at Hummingbird.Router.respond(to:context:) (Router.swift:112)
                  at NIOPosix.SelectableEventLoop.run() (SelectableEventLoop.swift:431)
                """))
        }
    }

    // MARK: Auth

    func registerAuth(on router: Router<BasicRequestContext>) {
        router.post("/api/v2/auth/signup") { request, _ in
            let input: [String: Any]
            switch await body(request) { case .json(let value): input = value; case .refused(let response): return response }
            guard let email = input["email"] as? String, let password = input["password"] as? String, email.contains("@"), password.count >= 8 else {
                return LabJSON.error(.badRequest, "email and a password of at least 8 characters are required")
            }
            let name = (input["name"] as? String) ?? email
            if secure, name.count > 64 { return LabJSON.error(.badRequest, "name is longer than 64 characters") }
            // Flaw (API3, mass assignment): the caller chooses their own role.
            let role = secure ? "user" : (input["role"] as? String ?? "user")
            guard let row = try? state.createUser(email: email, password: password, name: name, role: role) else {
                return LabJSON.error(.conflict, "that email is already registered")
            }
            return LabJSON.response(.created, LabJSON.object(row, keys: ["id", "email", "name", "role"]))
        }

        router.post("/api/v2/auth/login") { request, _ in
            let input: [String: Any]
            switch await body(request) { case .json(let value): input = value; case .refused(let response): return response }
            guard let email = input["email"] as? String else { return LabJSON.error(.badRequest, "email is required") }
            if secure {
                // Brute-force protection: five tries per account per minute.
                guard state.allow("login:\(email.lowercased())", limit: 5, per: 60).allowed else {
                    return LabJSON.error(.tooManyRequests, "too many login attempts; try again later")
                }
                guard let password = input["password"] as? String,
                      let row = try? state.database.query("SELECT * FROM users WHERE email = ?", [.text(email)]).first,
                      row["password_hash"]?.text == LabState.hash(password) else { return LabJSON.error(.unauthorized, "invalid email or password") }
                return issue(row)
            }
            guard let row = try? state.database.query("SELECT * FROM users WHERE email = ?", [.text(email)]).first else {
                return LabJSON.error(.notFound, "no user with that email")  // Flaw (API2): user enumeration.
            }
            // Flaw (API8, NoSQL injection): the password is matched like a document query, so {"$ne": ""} matches anything.
            guard DocumentQuery.matches(input["password"] as Any, stored: row["password_hash"]?.text ?? "", hash: LabState.hash) else {
                return LabJSON.error(.unauthorized, "wrong password")
            }
            return issue(row)
        }

        router.post("/oauth/token") { request, _ in
            let form = (try? await request.body.collect(upTo: 64 * 1024)).map { String(buffer: $0) } ?? ""
            let fields = URLComponents(string: "?" + form)?.queryItems ?? []
            let field = { (name: String) in fields.first { $0.name == name }?.value }
            guard field("grant_type") == "client_credentials" else { return LabJSON.error(.badRequest, "unsupported_grant_type") }
            guard field("client_id") == LabState.partnerClient.id, field("client_secret") == LabState.partnerClient.secret else {
                return LabJSON.error(.unauthorized, "invalid_client")
            }
            let partner = try state.database.query("SELECT * FROM users WHERE email = 'partner@bank.lab'").first
                ?? state.createUser(email: "partner@bank.lab", password: UUID().uuidString, name: "Partner App", role: "partner")
            let token = try state.tokens.issueRS256(subject: partner?["id"]?.integer ?? 0, role: "partner")
            return LabJSON.response(.ok, ["access_token": token, "token_type": "Bearer", "expires_in": Int(LabTokens.lifetime)])
        }

        router.get("/.well-known/jwks.json") { _, _ in LabJSON.response(.ok, state.tokens.jwks) }

        router.get("/api/v2/users/me", use: authed { _, _, user in
            // Flaw (API3): the password hash and API key leave the server.
            LabJSON.response(.ok, LabJSON.object(user, keys: secure ? ["id", "email", "name", "role"] : nil))
        })
    }

    func issue(_ user: Row) -> Response {
        let token = state.tokens.issueHS256(subject: user["id"]?.integer ?? 0, role: user["role"]?.text ?? "user")
        var response = LabJSON.response(.ok, ["token": token, "token_type": "Bearer", "expires_in": Int(LabTokens.lifetime)])
        response.setCookie(Cookie(name: "bank_session", value: token, maxAge: Int(LabTokens.lifetime), path: "/", secure: secure, httpOnly: true, sameSite: .strict))
        return response
    }
}
