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
        id: "user-enumeration", title: "Login reveals which accounts exist", severity: .medium, owasp: .api2, cwe: [204],
        description: "A wrong password for an existing account and any password for an unknown account get different answers.",
        remediation: "Answer every failed login identically (status, body and, as far as possible, timing).")

    func run(_ scan: ScanContext) async {
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
