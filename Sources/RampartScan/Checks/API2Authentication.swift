import _CryptoExtras
import Foundation
import RampartCore
import RampartHTTP

/// Secured operations answered without credentials, or with a meaningless token.
struct MissingAuthentication: ScanCheck {
    let rule = RuleMetadata(
        id: "auth-not-enforced", title: "Secured operation answers without valid credentials", severity: .high, owasp: .api2, cwe: [306, 287],
        description: "The description says the operation needs authentication, but it answered 2xx to a request with no credentials or an invalid token.",
        remediation: "Enforce authentication in one place (middleware or gateway) for every operation the description marks as secured.")

    func run(_ scan: ScanContext) async {
        // Paths are filled from the first user's objects when there is one, else from the description's examples.
        let owner = scan.users.first?.identity.name
        for endpoint in scan.endpoints where endpoint.isSecured && (endpoint.method == "GET" || scan.options.allowDestructive) {
            defer { scan.operationDone() }
            let request = scan.request(endpoint, identity: owner)
            // An error answered with 2xx ("User does not exist") is no access: with an owner, the answer must look like theirs.
            let genuine = owner == nil ? nil : await scan.send(request, as: owner)
            func served(_ exchange: Exchange?) -> Exchange? {
                guard let exchange, exchange.response.isSuccess else { return nil }
                guard let genuine, genuine.response.isSuccess else { return exchange }
                return ResponseShape.resembles(exchange.response, genuine.response) ? exchange : nil
            }
            if let exchange = served(await scan.send(request, as: nil)) {
                scan.report(rule, at: endpoint.location(), "\(endpoint.label) answered \(exchange.response.status) to a request without credentials", proof: exchange)
                continue
            }
            var forged = request
            forged.setHeader("Authorization", "Bearer rampart.invalid.token")
            if let exchange = served(await scan.send(forged, as: nil)) {
                scan.report(rule, at: endpoint.location(), "\(endpoint.label) answered \(exchange.response.status) to an invalid bearer token", proof: exchange)
            }
        }
        await writesWithoutCredentials(scan)
        await GraphQLAccess.reads(scan, anonymous: true) { scan.report(rule, at: $0, $1, proof: $2) }
    }

    /// Changes to objects the scan created (its own, so this is safe), sent without credentials and read back as the
    /// owner: a change that took is a write anyone can make.
    func writesWithoutCredentials(_ scan: ScanContext) async {
        guard let owner = scan.users.first?.identity.name else { return }
        for object in scan.createdObjects(of: owner) {
            for writer in Seeder.writers(of: object, in: scan) {
                defer { scan.operationDone() }
                let marker = "rampart-changed-\(UUID().uuidString.prefix(8).lowercased())"
                guard let (request, field) = Seeder.change(object, through: writer, identity: owner, to: marker, in: scan),
                      let exchange = await scan.send(request, as: nil), exchange.response.isSuccess,
                      let (stored, _) = await Seeder.readBack(object, as: owner, in: scan), stored[field] as? String == marker else { continue }
                scan.report(rule, at: writer.location(), "\(writer.label) changed \(owner)'s object \(object.id) (\(field)) without credentials; \(owner) reads the change back",
                            proof: exchange)
            }
        }
    }
}

/// `alg: none` tokens with the identity's claims.
struct JWTNoneAlgorithm: ScanCheck {
    let rule = RuleMetadata(
        id: "jwt-none-algorithm", title: "Unsigned JWT (alg: none) accepted", severity: .critical, owasp: .api2, cwe: [347, 327],
        description: "A token with `alg: none` and no signature was accepted, so anyone can mint tokens with any claims.",
        remediation: "Verify tokens with an allow-list of algorithms fixed on the server; never take the algorithm from the token header.",
        references: ["https://www.rfc-editor.org/rfc/rfc8725#section-3.1"])

    func run(_ scan: ScanContext) async {
        guard let probe = await scan.authProbe(), let jwt = probe.jwt else { return }
        for variant in ["none", "None", "NONE"] {
            var header = jwt.header
            header["alg"] = variant
            let forged = JWT.make(header: header, payload: jwt.touchedPayload, key: nil)
            // Also with `=` padding: decoders built on plain base64 refuse unpadded segments before reading `alg`.
            let padded = JWT.padded(forged)
            for token in padded == forged ? [forged] : [forged, padded] {
                guard let exchange = await probe.accepted(scan, token: token) else { continue }
                scan.report(rule, at: probe.endpoint.location(), "\(probe.endpoint.label) accepted a token with alg \"\(variant)\" and no signature", proof: exchange)
                return
            }
        }
    }
}

/// The identity's token with its signature removed or changed.
struct JWTSignatureNotVerified: ScanCheck {
    let rule = RuleMetadata(
        id: "jwt-signature-not-verified", title: "JWT signature not verified", severity: .critical, owasp: .api2, cwe: [347],
        description: "A token whose signature was removed or altered was accepted.",
        remediation: "Reject every token whose signature does not verify with the expected key and algorithm, including empty signatures.")

    func run(_ scan: ScanContext) async {
        guard let probe = await scan.authProbe(), let jwt = probe.jwt else { return }
        let unsigned = JWT.encode(jwt.header) + "." + JWT.encode(jwt.touchedPayload)
        var altered = jwt.signature
        if let last = altered.popLast() { altered.append(last == "A" ? "B" : "A") }
        for (what, forged) in [("with its signature stripped", unsigned + "."), ("with an altered signature", unsigned + "." + altered)] {
            if let exchange = await probe.accepted(scan, token: forged) {
                scan.report(rule, at: probe.endpoint.location(), "\(probe.endpoint.label) accepted a \(jwt.algorithm) token \(what)", proof: exchange)
                return
            }
        }
    }
}

/// Cracks the HMAC secret of a captured token offline, then proves it by having a token signed with it accepted.
struct JWTWeakSecret: ScanCheck {
    let rule = RuleMetadata(
        id: "jwt-weak-secret", title: "JWT signed with a guessable secret", severity: .critical, owasp: .api2, cwe: [521, 798],
        description: "The HMAC secret that signs the API's tokens was found in a list of common and leaked secrets; anyone can sign tokens.",
        remediation: "Use a random secret of at least 256 bits from a secret store (or asymmetric keys), and rotate it now.",
        references: ["https://www.rfc-editor.org/rfc/rfc8725#section-3.5"])

    func run(_ scan: ScanContext) async {
        guard let probe = await scan.authProbe(algorithm: "HS256"), let jwt = probe.jwt, let secret = await scan.crackedSecret(of: probe) else { return }
        let forged = JWT.make(header: ["alg": "HS256", "typ": "JWT"], payload: jwt.touchedPayload, key: Data(secret.utf8))
        guard let exchange = await probe.accepted(scan, token: forged) else { return }
        let hint = String(secret.prefix(2)) + String(repeating: "•", count: max(0, secret.count - 2))
        scan.report(rule, at: probe.endpoint.location(), "the token secret is a common one (\(secret.count) characters, \(hint)); a token signed with it was accepted", proof: exchange)
    }
}

/// With a cracked secret, signs a token that expired an hour ago.
struct JWTExpiredAccepted: ScanCheck {
    let rule = RuleMetadata(
        id: "jwt-expired-accepted", title: "Expired JWT accepted", severity: .high, owasp: .api2, cwe: [613],
        description: "A correctly signed token whose `exp` lies in the past was accepted, so stolen tokens never stop working.",
        remediation: "Check `exp` (and `nbf`) on every request, with at most a minute of clock skew.")

    func run(_ scan: ScanContext) async {
        guard let probe = await scan.authProbe(algorithm: "HS256"), let jwt = probe.jwt, let secret = await scan.crackedSecret(of: probe) else { return }
        var payload = jwt.payload
        let now = Int(Date().timeIntervalSince1970)
        payload["iat"] = now - 7200
        payload["exp"] = now - 3600
        let expired = JWT.make(header: jwt.header, payload: payload, key: Data(secret.utf8))
        guard let exchange = await probe.accepted(scan, token: expired) else { return }
        scan.report(rule, at: probe.endpoint.location(), "\(probe.endpoint.label) accepted a token that expired an hour ago", proof: exchange)
    }
}

/// RS256 tokens re-signed as HS256 with the server's public key as the HMAC secret.
struct JWTKeyConfusion: ScanCheck {
    let rule = RuleMetadata(
        id: "jwt-key-confusion", title: "JWT algorithm confusion (HS256 with the public key)", severity: .critical, owasp: .api2, cwe: [347, 327],
        description: "A token signed HS256 with the server's published RSA public key as the secret was accepted: anyone can mint tokens.",
        remediation: "Bind each key to one algorithm on the server and never let the token header choose it.",
        references: ["https://www.rfc-editor.org/rfc/rfc8725#section-2.1"])

    func run(_ scan: ScanContext) async {
        guard let probe = await scan.authProbe(algorithm: "RS256"), let jwt = probe.jwt else { return }
        for pem in await publicKeys(scan) {
            var header = jwt.header
            header["alg"] = "HS256"
            for secret in [pem, pem + "\n", pem.trimmingCharacters(in: .whitespacesAndNewlines)] {
                let forged = JWT.make(header: header, payload: jwt.touchedPayload, key: Data(secret.utf8))
                if let exchange = await probe.accepted(scan, token: forged) {
                    scan.report(rule, at: probe.endpoint.location(), "\(probe.endpoint.label) accepted an HS256 token keyed with the published RSA public key", proof: exchange)
                    return
                }
            }
        }
    }

    /// The RSA public keys the target publishes, as PEM.
    func publicKeys(_ scan: ScanContext) async -> [String] {
        var locations = ["/.well-known/jwks.json", "/jwks.json", "/.well-known/keys"]
        if let configuration = await scan.send(OutboundRequest(method: "GET", url: scan.url("/.well-known/openid-configuration")), as: nil),
           let uri = (configuration.response.json as? [String: Any])?["jwks_uri"] as? String {
            locations.insert(uri, at: 0)
        }
        for location in locations {
            guard let exchange = await scan.send(OutboundRequest(method: "GET", url: scan.url(location)), as: nil), exchange.response.isSuccess,
                  let keys = (exchange.response.json as? [String: Any])?["keys"] as? [[String: Any]] else { continue }
            let pems = keys.compactMap { key -> String? in
                guard key["kty"] as? String == "RSA", let n = (key["n"] as? String).flatMap(Base64URL.decode), let e = (key["e"] as? String).flatMap(Base64URL.decode) else { return nil }
                return try? _RSA.Signing.PublicKey(n: n, e: e).pemRepresentation
            }
            if !pems.isEmpty { return pems }
        }
        return []
    }
}

/// Login answers that tell whether an account exists.
struct UserEnumeration: ScanCheck {
    let rule = RuleMetadata(
        id: "user-enumeration", title: "Login or lookup reveals which accounts exist", severity: .medium, owasp: .api2, cwe: [204],
        description: "A wrong password for an existing account and any password for an unknown account get different answers, or an anonymous lookup by user name answers for existing names only.",
        remediation: "Answer every failed login identically (status, body and, as far as possible, timing), and keep user lookups behind authentication.")
    /// Collections whose next path segment is a user name.
    static let userCollections: Set<String> = ["user", "users", "account", "accounts", "member", "members", "profile", "profiles", "people"]

    func run(_ scan: ScanContext) async {
        await lookups(scan)
        guard let login = scan.loginTemplate, let knownUser = login.knownUser else { return }
        func attempt(user: String) async -> (Exchange, String)? {
            await login.attempt(scan, [login.userKey: user, login.passwordKey: "Rampart-wrong-password-1!"]).map { exchange in
                (exchange, exchange.response.text.replacingOccurrences(of: user, with: "USER"))
            }
        }
        func stranger() -> String {
            knownUser.contains("@") ? "rampart-nobody-\(UUID().uuidString.prefix(8).lowercased())@example.com" : "rampart-nobody-\(UUID().uuidString.prefix(8))"
        }
        // Failures may answer 200 ("no such user" / "wrong password"): judged by difference, not by status. Two
        // unknown users must answer alike, or the answers vary by themselves (a token, a time) and prove nothing.
        guard let (known, knownText) = await attempt(user: knownUser), let (unknown, unknownText) = await attempt(user: stranger()),
              let (other, otherText) = await attempt(user: stranger()),
              !known.response.isSuccess || !known.response.setsCookie,
              unknown.response.status == other.response.status, unknownText == otherText else { return }
        guard known.response.status != unknown.response.status || knownText != unknownText else { return }
        scan.report(rule, at: login.location,
                    "a wrong password for an existing account answers \(known.response.status) \"\(knownText.prefix(80))\"; an unknown account answers \(unknown.response.status) \"\(unknownText.prefix(80))\"",
                    proof: unknown)
    }

    /// `GET /users/NAME` open to strangers: a known name answers, two made-up ones answer alike and otherwise.
    func lookups(_ scan: ScanContext) async {
        let knownNames = Set(scan.sessions.map { $0.identity.loginName })
        for endpoint in scan.endpoints where endpoint.method == "GET" && !endpoint.isSecured {
            let segments = endpoint.path.split(separator: "/").map(String.init)
            guard let index = segments.indices.dropLast().first(where: { Self.userCollections.contains(segments[$0].lowercased()) }) else { continue }
            let segment = segments[index + 1]
            let placeholder = segment.hasPrefix("{") ? String(segment.dropFirst().dropLast()) : nil
            let name = placeholder.flatMap { endpoint.pathParameterExample($0).map { "\($0)" } } ?? segment
            guard placeholder != nil || segments.count == index + 2, !name.hasPrefix("{"), !SurfaceCrawler.isIdentifier(name) else { continue }
            defer { scan.operationDone() }
            func lookup(_ user: String) async -> Exchange? {
                var request = scan.request(endpoint, identity: nil, pathValues: placeholder.map { [$0: user] } ?? [:])
                if placeholder == nil, user != name { request.url = request.url.deletingLastPathComponent().appendingPathComponent(user) }
                return await scan.send(request, as: nil)
            }
            let strangers = ["rampart-nobody-\(UUID().uuidString.prefix(8).lowercased())", "rampart-nobody-\(UUID().uuidString.prefix(8).lowercased())"]
            // A page next to /user/ (`/user/chpasswd`) is no user: the answer must be data, or the name a known user's.
            guard let known = await lookup(name), known.response.isSuccess, known.response.json != nil || knownNames.contains(name),
                  let first = await lookup(strangers[0]), let second = await lookup(strangers[1]),
                  first.response.status == second.response.status,
                  first.response.text.replacingOccurrences(of: strangers[0], with: "") == second.response.text.replacingOccurrences(of: strangers[1], with: ""),
                  !first.response.isSuccess || !ResponseShape.resembles(first.response, known.response) else { continue }
            scan.report(rule, at: endpoint.location(), "\(endpoint.label) answers \(known.response.status) for the existing name \(name) and \(first.response.status) for made-up ones, to anyone",
                        proof: first)
            return
        }
    }
}

/// A bounded burst of failed logins for an account that does not exist (so that no real account is locked out).
struct LoginBruteForce: ScanCheck {
    let rule = RuleMetadata(
        id: "login-no-brute-force-protection", title: "Login has no brute-force protection", severity: .medium, owasp: .api2, cwe: [307],
        description: "Twelve failed logins in a row for one account were all answered normally: no 429, no lockout, no rate-limit headers.",
        remediation: "Limit failed logins per account and per client (429 with Retry-After), and add a second factor for sensitive accounts.")
    static let attempts = 12

    func run(_ scan: ScanContext) async {
        guard let login = scan.loginTemplate else { return }
        let nobody = "rampart-bruteforce-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        var last: Exchange?
        for attempt in 1...Self.attempts {
            guard let exchange = await login.attempt(scan, [login.userKey: nobody, login.passwordKey: "Rampart-guess-\(attempt)"]) else { return }
            if Self.isThrottled(exchange.response) { return }
            last = exchange
        }
        scan.report(rule, at: login.location,
                    "\(Self.attempts) failed logins in a row were all answered \(last?.response.status ?? 0) with no throttling", proof: last)
    }

    static func isThrottled(_ response: ReceivedResponse) -> Bool {
        [423, 429, 503].contains(response.status) || response.header("Retry-After") != nil
            || response.headers.contains { $0.name.lowercased().hasPrefix("ratelimit") || $0.name.lowercased().hasPrefix("x-ratelimit") }
            || ["captcha", "locked", "too many"].contains { response.text.lowercased().contains($0) }
    }
}

/// The identity's token moved from the header into the query string.
struct CredentialsInURL: ScanCheck {
    let rule = RuleMetadata(
        id: "token-accepted-in-url", title: "Credentials accepted in the URL", severity: .medium, owasp: .api2, cwe: [598],
        description: "The API accepted the bearer token as a query parameter; URLs end up in logs, browser history and Referer headers.",
        remediation: "Accept credentials only in the Authorization header (or a secure cookie), never in the query string.")

    func run(_ scan: ScanContext) async {
        guard let probe = await scan.authProbe(), let token = probe.token else { return }
        for name in ["access_token", "token", "api_key", "apikey", "jwt", "auth"] {
            if let exchange = await probe.accepted(scan, query: [URLQueryItem(name: name, value: token)]) {
                scan.report(rule, at: probe.endpoint.location(parameter: name), "\(probe.endpoint.label) accepted the bearer token as ?\(name)=", proof: exchange)
                return
            }
        }
    }
}

/// HTTP Basic challenges answered by a default account.
struct WeakBasicCredentials: ScanCheck {
    let rule = RuleMetadata(
        id: "weak-basic-credentials", title: "Default HTTP Basic credentials accepted", severity: .high, owasp: .api2, cwe: [1392, 521],
        description: "A resource asking for HTTP Basic credentials stopped asking for a well-known default account (admin/admin and the like).",
        remediation: "Remove default accounts, require strong unique passwords, and limit failed attempts.")
    /// Vendor and framework defaults, a short list: each is one request.
    static let defaults = [("admin", "admin"), ("admin", "password"), ("admin", "admin123"), ("admin", "123456"), ("admin", "changeme"), ("admin", ""),
                           ("administrator", "administrator"), ("root", "root"), ("root", "toor"), ("user", "user"), ("test", "test"), ("guest", "guest"),
                           ("tomcat", "tomcat"), ("manager", "manager")]

    func run(_ scan: ScanContext) async {
        guard let challenge = scan.answers.basicChallenge else { return }
        func attempt(_ user: String, _ password: String) async -> Exchange? {
            var request = OutboundRequest(method: challenge.request.method, url: challenge.request.url)
            request.setHeader("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
            return await scan.send(request, as: nil)
        }
        // A made-up account must still be challenged, or the server answers everyone alike.
        guard let control = await attempt("rampart-\(UUID().uuidString.prefix(8))", "Rampart-\(UUID().uuidString)"), control.response.status == 401 else { return }
        for (user, password) in Self.defaults {
            guard let exchange = await attempt(user, password), exchange.response.status != 401, exchange.response.status != 403 else { continue }
            scan.report(rule, at: Location(method: challenge.request.method, path: challenge.request.url.path),
                        "\(challenge.request.url.path) asks for HTTP Basic credentials and accepted \(user) with a default password (answered \(exchange.response.status))",
                        proof: exchange)
            return
        }
    }
}

/// What a client-side session cookie carries: the JSON inside a signed-but-readable cookie (Flask, itsdangerous,
/// a JWT) or an unsigned one (plain base64).
struct SessionCookie {
    var claims: [String: Any]
    /// Only the encoded JSON, with nothing that could be a signature.
    var unsigned: Bool

    init?(_ value: String) {
        // `payload.timestamp.signature` (itsdangerous), `header.payload.signature` (JWT), or one base64 segment.
        let segments = value.trimmingCharacters(in: CharacterSet(charactersIn: "\"")).split(separator: ".", omittingEmptySubsequences: true)
        for segment in segments.prefix(2) {
            guard let data = Base64URL.decode(String(segment).removingPercentEncoding ?? String(segment)),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], !object.isEmpty,
                  object["alg"] == nil || segments.count == 1 else { continue }
            claims = object
            unsigned = segments.count == 1
            return
        }
        return nil
    }

    /// Claim names that hold secrets (a CSRF token is meant to be in the session and is left alone).
    static func secretClaims(_ claims: [String: Any]) -> [String] {
        claims.compactMap { key, value in
            let name = key.lowercased()
            guard !name.contains("csrf"), let text = value as? String, text.count >= 8,
                  ["secret", "password", "passwd", "private", "api_key", "apikey", "signing"].contains(where: name.contains) else { return nil }
            return key
        }.sorted()
    }
}

/// A session cookie the client can read that carries a secret (a signing key, a password, an API key).
struct SessionCookieSecret: ScanCheck {
    let rule = RuleMetadata(
        id: "session-cookie-secret-exposed", title: "Session cookie carries a secret", severity: .high, owasp: .api2, cwe: [315, 312],
        description: "A cookie's content is readable by the client (signed, not encrypted, or plain base64) and holds a secret: with a signing key anyone can forge sessions; a password or API key is simply handed out.",
        remediation: "Keep secrets on the server: store only a session id (or encrypt the cookie), and never put keys or passwords into a client-side session.")
    let passive = true

    func run(_ scan: ScanContext) async {
        for (name, value, exchange) in scan.answers.cookies {
            guard let cookie = SessionCookie(value) else { continue }
            let secrets = SessionCookie.secretClaims(cookie.claims)
            guard !secrets.isEmpty else { continue }
            for key in secrets { (cookie.claims[key] as? String).map(scan.redactor.register) }
            scan.report(rule, at: Location(of: exchange.request),
                        "cookie \(name) set by \(exchange.request.method) \(exchange.request.url.path) decodes to JSON holding \(secrets.joined(separator: ", "))",
                        proof: exchange)
            return
        }
    }
}

/// An identity's session cookie that is only base64 JSON: changed by the client, it is still accepted.
struct ForgeableSession: ScanCheck {
    let rule = RuleMetadata(
        id: "forgeable-session", title: "Session cookie can be forged", severity: .critical, owasp: .api2, cwe: [565, 345],
        description: "The identity's session cookie is unsigned JSON; a cookie Rampart wrote itself, naming another user, was accepted as a session.",
        remediation: "Sign (and preferably encrypt) session cookies with a strong server-side key, or keep sessions on the server behind a random id.")

    func run(_ scan: ScanContext) async {
        for session in scan.sessions {
            guard case .login(_, _, let name?, _) = session.identity.authentication, let probe = await scan.authProbe(for: session),
                  let value = probe.baseline.request.header("Cookie").flatMap({ Self.cookie(named: name, in: $0) }),
                  let cookie = SessionCookie(value), cookie.unsigned,
                  let (claim, _) = cookie.claims.first(where: { key, value in value is String && ["user", "name", "email", "login", "uid"].contains(where: key.lowercased().contains) })
            else { continue }
            // Another user, made up here: a server that keeps sessions never issued this cookie.
            var forged = cookie.claims
            forged[claim] = "admin"
            guard let data = try? JSONSerialization.data(withJSONObject: forged, options: [.sortedKeys]) else { continue }
            var request = probe.request
            request.setHeader("Cookie", "\(name)=\(data.base64EncodedString())")
            guard let exchange = await scan.send(request, as: nil), exchange.response.isSuccess,
                  ResponseShape.resembles(exchange.response, probe.baseline.response) || exchange.response.status == probe.baseline.response.status
                    && PrivilegedHeaderBypass.refusal(exchange.response) == nil else { continue }
            scan.report(rule, at: probe.endpoint.location(),
                        "\(session.identity.name)'s cookie \(name) is unsigned base64 JSON; one naming \(claim) \"admin\" was accepted by \(probe.endpoint.label) (\(exchange.response.status))",
                        proof: exchange)
            return
        }
    }

    static func cookie(named name: String, in header: String) -> String? {
        header.split(separator: ";").lazy.map { $0.trimmingCharacters(in: .whitespaces) }.compactMap { pair -> String? in
            let parts = pair.split(separator: "=", maxSplits: 1)
            return parts.count == 2 && parts[0] == name ? String(parts[1]) : nil
        }.first
    }
}

/// Signing up again with an existing identity's user name and a new password: an API that overwrites the account
/// (or creates a second one that logs in under the same name) hands accounts to whoever registers their name.
struct RegistrationTakeover: ScanCheck {
    let rule = RuleMetadata(
        id: "account-takeover-by-registration", title: "Registering an existing user name takes the account", severity: .critical, owasp: .api2, cwe: [287, 640],
        description: "The sign-up accepted a user name that already exists, with a new password, and a login with that new password then succeeded.",
        remediation: "Refuse sign-ups for existing user names and e-mail addresses (compare them normalised), and make the name unique in the database.")
    /// Runs with the passive checks, after every active one: for a moment the identity's password is another.
    let passive = true

    func run(_ scan: ScanContext) async {
        for session in scan.sessions {
            guard let signup = session.identity.signup, case .login(let login, let pointer, let cookie, _) = session.identity.authentication,
                  let original = Self.password(in: signup), let loginPassword = Self.password(in: login) else { continue }
            let replacement = "Rampart-\(UUID().uuidString.prefix(12))-Pw1!"
            scan.redactor.register(replacement)
            guard let again = signup.replacing(field: original.name, with: replacement).request(base: scan.base),
                  let answer = await scan.send(again, as: nil), answer.response.isSuccess || answer.response.isRedirect,
                  let attempt = login.replacing(field: loginPassword.name, with: replacement).request(base: scan.base),
                  let loggedIn = await scan.send(attempt, as: nil), Self.succeeded(loggedIn.response, pointer: pointer, cookie: cookie) else { continue }
            scan.report(rule, at: Location(method: signup.method, path: again.url.path),
                        "signing up again as \(session.identity.name)'s user name with a new password was accepted (\(answer.response.status)), and the new password logs in",
                        proof: answer)
            // The flaw that allowed it puts the original password back.
            if let restore = signup.replacing(field: original.name, with: original.value).request(base: scan.base) { _ = await scan.send(restore, as: nil) }
            return
        }
    }

    static func succeeded(_ response: ReceivedResponse, pointer: String?, cookie: String?) -> Bool {
        if let cookie { return response.headers(named: "Set-Cookie").contains { $0.hasPrefix(cookie + "=") } && (response.isSuccess || response.isRedirect) }
        return response.isSuccess && response.json.flatMap { Session.resolve(pointer ?? "", in: $0) } is String
    }

    /// The name and value of the password field of a JSON or form body.
    static func password(in template: RequestTemplate) -> (name: String, value: String)? {
        template.bodyFields?.first { $0.name.lowercased().contains("pass") }.flatMap { field in (field.value as? String).map { (field.name, $0) } }
    }
}

/// Session tokens anyone could guess: the same token handed to two identities, numbers counting up from one login
/// to the next, or the user name itself (plain, base64, or its MD5/SHA hex digest).
struct PredictableSessionToken: ScanCheck {
    /// Run after the active checks: logging in again replaces the sessions they use.
    let passive = true
    let rule = RuleMetadata(
        id: "predictable-session-token", title: "Session tokens can be guessed", severity: .critical, owasp: .api2, cwe: [330, 384],
        description: "The session token is not random: two identities were given the same token, consecutive logins got consecutive numbers, or the token is the user name (plain, base64 or hashed), so anyone can make a valid one.",
        remediation: "Issue session tokens from a cryptographically secure random generator (128 bits or more), one per login, stored or signed server-side.")

    func run(_ scan: ScanContext) async {
        var tokens: [(identity: String, user: String, values: [String])] = []
        for session in scan.sessions {
            defer { scan.operationDone() }
            var values: [String] = []
            for _ in 0..<3 { if let value = try? await session.signInAgain() { values.append(value) } }
            guard !values.isEmpty else { continue }
            tokens.append((session.identity.name, session.identity.loginName, values))
        }
        for (index, first) in tokens.enumerated() {
            if let other = tokens[(index + 1)...].first(where: { !Set($0.values).isDisjoint(with: first.values) }) {
                report(scan, "\(first.identity) and \(other.identity) were given the same session token")
                return
            }
            let numbers = first.values.compactMap { Int($0) }
            if numbers.count == 3, numbers[1] > numbers[0], numbers[2] - numbers[1] <= 16, numbers[1] - numbers[0] <= 16 {
                report(scan, "\(first.identity)'s three logins got the session tokens \(numbers.map(String.init).joined(separator: ", ")): they count up")
                return
            }
            if let value = first.values.first, let how = Self.derivation(of: value, from: first.user) {
                report(scan, "\(first.identity)'s session token is \(how) of the user name \(first.user)")
                return
            }
        }
    }

    func report(_ scan: ScanContext, _ message: String) {
        scan.report(rule, at: Location(method: "POST", path: scan.sessions.first?.identity.loginPath), message, proof: nil, confidence: .firm)
    }

    /// How `token` is made from `user`, if it is: the name, its base64, or its MD5, SHA-1 or SHA-256 in hex.
    static func derivation(of token: String, from user: String) -> String? {
        let lower = token.lowercased()
        let data = Data(user.utf8)
        let forms: [(String, String)] = [
            ("the text", user.lowercased()), ("the base64", data.base64EncodedString().lowercased()),
            ("the MD5", Insecure.MD5.hash(data: data).hex), ("the SHA-1", Insecure.SHA1.hash(data: data).hex), ("the SHA-256", SHA256.hash(data: data).hex),
        ]
        return forms.first { lower == $0.1 || lower == $0.1.trimmingCharacters(in: ["="]) }?.0
    }
}

extension Digest {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}

/// Signed session cookies (Flask's, from itsdangerous: `payload.timestamp.signature`) checked against the secret
/// list JWT keys are cracked with: a match means anyone can sign a session for any user.
struct WeakSessionSecret: ScanCheck {
    let passive = true
    let rule = RuleMetadata(
        id: "weak-session-secret", title: "Session cookies are signed with a guessable key", severity: .critical, owasp: .api2, cwe: [321, 521],
        description: "A signed session cookie (Flask/itsdangerous) verified with a key from a list of common words and framework defaults: whoever guesses it signs sessions for any user.",
        remediation: "Use a long random secret key (32 random bytes or more) kept out of the source, never a word or a default; changing it ends every session.")

    func run(_ scan: ScanContext) async {
        for (name, value, exchange) in scan.answers.cookies {
            guard let cookie = SignedCookie(value) else { continue }
            let candidates = JWTCracker.builtIn + JWTCracker.candidates(wordlist: scan.options.jwtWordlist)
            guard let key = candidates.first(where: cookie.isSigned(with:)) else { continue }
            scan.redactor.register(key)
            scan.report(rule, at: Location(of: exchange.request),
                        "cookie \(name) set by \(exchange.request.method) \(exchange.request.url.path) is an itsdangerous (Flask) cookie signed with a common key (\(key.count) characters)",
                        proof: exchange)
            return
        }
    }
}

/// An itsdangerous timestamp-signed cookie as Flask writes its session: `payload.timestamp.signature`, the signature
/// an HMAC-SHA1 keyed by HMAC-SHA1(secret, "cookie-session") over `payload.timestamp` (a compressed payload starts with a dot).
struct SignedCookie {
    var signed: Data
    var signature: Data

    init?(_ value: String) {
        let text = value.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        guard let dot = text.lastIndex(of: "."), text[..<dot].contains("."), let signature = Base64URL.decode(String(text[text.index(after: dot)...])),
              signature.count == Insecure.SHA1.byteCount else { return nil }
        self.signed = Data(text[..<dot].utf8)
        self.signature = signature
    }

    func isSigned(with secret: String) -> Bool {
        let derived = HMAC<Insecure.SHA1>.authenticationCode(for: Data("cookie-session".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return HMAC<Insecure.SHA1>.isValidAuthenticationCode(signature, authenticating: signed, using: SymmetricKey(data: Data(derived)))
    }
}

/// A wildcard in place of the identity's key or token (`X-APIKEY: *`): servers that look keys up with a file glob,
/// SQL `LIKE` or a regular expression let it match every stored key.
struct WildcardKeyBypass: ScanCheck {
    let rule = RuleMetadata(
        id: "auth-bypass-wildcard-key", title: "A wildcard is accepted as a key", severity: .critical, owasp: .api2, cwe: [287, 155],
        description: "A credential that is only a wildcard (`*`, `%`, `.*`), sent where the identity sends its key or token, was accepted like the real one: the server matches keys as a pattern (a file glob, SQL LIKE, a regular expression), so any stored key matches.",
        remediation: "Compare credentials for exact equality (in constant time) after checking their alphabet and length; never use them in glob, LIKE or regular-expression lookups.")
    static let wildcards = ["*", "%", ".*"]

    func run(_ scan: ScanContext) async {
        for session in scan.sessions {
            defer { scan.operationDone() }
            guard let placement = Self.placement(of: session.identity), let probe = await Self.probe(scan, session) else { continue }
            for wildcard in Self.wildcards {
                guard let exchange = await scan.send(placement.present(wildcard, in: probe.request), as: nil), exchange.response.isSuccess,
                      ResponseShape.resembles(exchange.response, probe.genuine.response) else { continue }
                scan.report(rule, at: Location(of: probe.request),
                            "\(probe.request.method) \(probe.request.url.path) accepted '\(wildcard)' as \(session.identity.name)'s credential (\(exchange.response.status), like the real one; without it \(probe.refused.response.status))",
                            proof: exchange)
                return
            }
        }
    }

    /// Where the identity's own key or token goes; nil for credentials that are no single value (basic, cookies, headers).
    static func placement(of identity: Identity) -> TokenPlacement? {
        switch identity.authentication {
        case .login(_, _, nil, .graphQLArgument): return nil
        case .login(_, _, nil, let placement): return placement
        case .apiKey(let name, "query", _): return .query(name: name)
        case .apiKey(let name, "cookie", _): return .cookie(name: name)
        case .apiKey(let name, _, _): return .header(name: name, format: "{token}")
        case .clientCredentials: return .bearer
        default: return nil
        }
    }

    /// A request the identity is served and a stranger refused: a secured read, else a create (as seeding sends).
    static func probe(_ scan: ScanContext, _ session: Session) async -> (request: OutboundRequest, genuine: Exchange, refused: Exchange)? {
        if let probe = await scan.authProbe(for: session), let refused = await scan.send(probe.request, as: nil) {
            return (probe.request, probe.baseline, refused)
        }
        let name = session.identity.name
        for creator in scan.creators {
            let request = scan.request(creator, identity: name, body: scan.exampleBody(creator, identity: name).map(Seeder.uniquified))
            guard let refused = await scan.send(request, as: nil), !refused.response.isSuccess,
                  let genuine = await scan.send(request, as: name), genuine.response.isSuccess else { continue }
            return (request, genuine, refused)
        }
        return nil
    }
}
