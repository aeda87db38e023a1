import Foundation

/// Why an identity could not sign in.
public struct LoginError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(description: String) {
        self.description = description
    }
}

/// One identity's signed-in state: it logs in on first use, adds its credentials to requests,
/// and logs in again when a token is about to expire or the API answers 401.
public actor Session {
    public nonisolated let identity: Identity
    nonisolated let engine: HTTPEngine
    let base: URL
    let redactor: Redactor
    private var credential: Credential?
    private var signedUp = false
    /// Where the login sent the browser (its redirect's Location): often the signed-in home, linked from nowhere else.
    public private(set) var landingPage: URL?

    struct Credential {
        var headers: [(name: String, value: String)] = []
        var query: [URLQueryItem] = []
        var token: String?
        var expires: Date?
    }

    /// Spaces this session's logins from every other's (`login_spacing:`).
    let gate: LoginGate?

    public init(identity: Identity, engine: HTTPEngine, base: URL, redactor: Redactor, gate: LoginGate? = nil) {
        self.gate = gate
        self.identity = identity
        self.engine = engine
        self.base = base
        self.redactor = redactor
    }

    /// The bearer token this identity currently holds, if it uses one (JWT checks work on it).
    public func token() async throws -> String? {
        try await current().token
    }

    /// Logs in again and holds the new credential from then on (an API may end the older session); returns the
    /// credential's value, the token or the session cookie's value. Nil for identities that do not log in.
    public func signInAgain() async throws -> String? {
        guard renewable else { return nil }
        let fresh = try await signIn()
        credential = fresh
        return fresh.token ?? fresh.headers.first?.value.split(separator: "=", maxSplits: 1).last.map(String.init)
    }

    /// The request with this identity's credentials added.
    public func authorize(_ request: OutboundRequest) async throws -> OutboundRequest {
        let credential = try await current()
        var request = request
        for header in credential.headers {
            if header.name.lowercased() == "cookie", let existing = request.header("Cookie") {
                request.setHeader("Cookie", existing + "; " + header.value)
            } else {
                request.setHeader(header.name, header.value)
            }
        }
        if !credential.query.isEmpty, var components = URLComponents(url: request.url, resolvingAgainstBaseURL: false) {
            components.queryItems = (components.queryItems ?? []) + credential.query
            request.url = components.url ?? request.url
        }
        return request
    }

    /// Sends as this identity; after a 401 on a renewable credential, logs in again and retries once.
    public func send(_ request: OutboundRequest) async throws -> Exchange {
        let exchange = try await engine.send(authorize(request))
        guard exchange.response.status == 401, renewable else { return exchange }
        credential = nil
        return try await engine.send(authorize(request))
    }

    private var renewable: Bool {
        switch identity.authentication {
        case .login, .clientCredentials: true
        default: false
        }
    }

    private func current() async throws -> Credential {
        if let credential, credential.expires.map({ $0.timeIntervalSinceNow > 30 }) ?? true { return credential }
        let fresh = try await signIn()
        credential = fresh
        return fresh
    }

    /// Signs in, one login of the scan at a time when logins are spaced.
    private func signIn() async throws -> Credential {
        guard let gate else { return try await signInNow() }
        await gate.acquire()
        do {
            let credential = try await signInNow()
            await gate.release()
            return credential
        } catch {
            await gate.release()
            throw error
        }
    }

    private func signInNow() async throws -> Credential {
        if let signup = identity.signup, !signedUp {
            signedUp = true
            // An account that already exists is fine: the login below tells whether we can use it.
            _ = try await sendTemplate(signup)
        }
        switch identity.authentication {
        case .none:
            return Credential()
        case .headers(let headers):
            headers.forEach { redactor.register($0.value) }
            return Credential(headers: headers)
        case .basic(let username, let password):
            redactor.register(password)
            let encoded = Data("\(username):\(password)".utf8).base64EncodedString()
            redactor.register(encoded)
            return Credential(headers: [("Authorization", "Basic \(encoded)")])
        case .apiKey(let name, let location, let value):
            redactor.register(value)
            switch location {
            case "query": return Credential(query: [URLQueryItem(name: name, value: value)])
            case "cookie": return Credential(headers: [("Cookie", "\(name)=\(value)")])
            default: return Credential(headers: [(name, value)])
            }
        case .cookies(let cookies):
            cookies.forEach { redactor.register($0.value) }
            return Credential(headers: [("Cookie", cookies.map { "\($0.name)=\($0.value)" }.joined(separator: "; "))])
        case .login(let template, let pointer, let cookie, let placement):
            // Passwords and secrets, JSON (at any depth) or form, are never written out.
            let fields = template.isForm ? (template.bodyFields ?? []) : template.jsonLeaves.map { (name: $0.pointer, value: $0.value) }
            func secret(_ key: String) -> Bool {
                let name = key.split(separator: "/").last.map { $0.lowercased() } ?? ""
                return key == identity.loginFields?.password || name.contains("pass") || name.contains("secret")
            }
            for (key, value) in fields where secret(key) { redactor.register("\(value)") }
            let exchange = try await sendTemplate(template)
            // A web form's login usually answers with a redirect that sets the session cookie.
            guard exchange.response.isSuccess || (cookie != nil && exchange.response.isRedirect) else {
                throw LoginError(description: "identity '\(identity.name)': login \(template.method) \(template.path) answered \(exchange.response.status) (\(template.place))")
            }
            if exchange.response.isRedirect, let location = exchange.response.header("Location") {
                landingPage = URL(string: location, relativeTo: exchange.request.url)?.absoluteURL
            }
            if let cookie {
                let value = exchange.response.headers(named: "Set-Cookie").compactMap { Self.cookieValue($0, named: cookie) }.first
                guard let value else {
                    throw LoginError(description: "identity '\(identity.name)': the login response set no cookie '\(cookie)' (\(template.place))")
                }
                redactor.register(value)
                return Credential(headers: [("Cookie", "\(cookie)=\(value)")])
            }
            guard let token = exchange.response.json.flatMap({ Self.resolve(pointer ?? "", in: $0) }) as? String, !token.isEmpty else {
                throw LoginError(description: "identity '\(identity.name)': no string at \(pointer ?? "") in the login response (\(template.place))")
            }
            return bearer(token, placement: placement)
        case .clientCredentials(let tokenURL, let clientID, let clientSecret, let scope):
            redactor.register(clientSecret)
            var form = URLComponents()
            form.queryItems = [URLQueryItem(name: "grant_type", value: "client_credentials"), URLQueryItem(name: "client_id", value: clientID),
                               URLQueryItem(name: "client_secret", value: clientSecret)] + (scope.map { [URLQueryItem(name: "scope", value: $0)] } ?? [])
            let template = RequestTemplate(method: "POST", path: tokenURL, headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                                           body: Data((form.percentEncodedQuery ?? "").utf8), place: "oauth2 of '\(identity.name)'")
            let exchange = try await sendTemplate(template)
            guard exchange.response.isSuccess, let token = (exchange.response.json as? [String: Any])?["access_token"] as? String else {
                throw LoginError(description: "identity '\(identity.name)': the OAuth2 token endpoint \(tokenURL) answered \(exchange.response.status) without an access_token")
            }
            return bearer(token, placement: .bearer)
        }
    }

    private func bearer(_ token: String, placement: TokenPlacement) -> Credential {
        redactor.register(token)
        var credential = Credential(token: token, expires: JWTClaims.expiry(of: token))
        switch placement {
        case .header(let name, let format): credential.headers = [(name, format.replacingOccurrences(of: "{token}", with: token))]
        case .cookie(let name): credential.headers = [("Cookie", "\(name)=\(token)")]
        case .query(let name): credential.query = [URLQueryItem(name: name, value: token)]
        // Put into GraphQL operations by whoever builds them (the scan's GraphQL requests).
        case .graphQLArgument: break
        }
        return credential
    }

    private func sendTemplate(_ template: RequestTemplate) async throws -> Exchange {
        guard let request = template.request(base: base) else {
            throw LoginError(description: "identity '\(identity.name)': '\(template.path)' is not a valid path or URL (\(template.place))")
        }
        return try await engine.send(request)
    }

    /// The value of cookie `name` in a Set-Cookie header.
    static func cookieValue(_ header: String, named name: String) -> String? {
        guard let pair = header.split(separator: ";").first else { return nil }
        let parts = pair.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name else { return nil }
        return String(parts[1]).trimmingCharacters(in: .whitespaces)
    }

    /// `json` with the value at the JSON pointer `pointer` replaced (objects are made along the way).
    public static func setting(_ pointer: String, to value: Any, in json: Any) -> Any {
        let segments = pointer.dropFirst().split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard var object = json as? [String: Any], let first = segments.first else { return value }
        let key = first.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        object[key] = segments.count == 2 ? setting("/" + segments[1], to: value, in: object[key] ?? [String: Any]()) : value
        return object
    }

    /// RFC 6901 JSON pointer into a Foundation JSON value.
    public static func resolve(_ pointer: String, in value: Any) -> Any? {
        guard !pointer.isEmpty else { return value }
        var current: Any? = value
        for segment in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let key = segment.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            if let object = current as? [String: Any] {
                current = object[key]
            } else if let array = current as? [Any], let index = Int(key), array.indices.contains(index) {
                current = array[index]
            } else {
                return nil
            }
        }
        return current
    }
}

/// Reading (not verifying) a JWT's claims.
public enum JWTClaims {
    public static func payload(of token: String) -> [String: Any]? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = Base64URL.decode(String(parts[1])) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    public static func expiry(of token: String) -> Date? {
        (payload(of: token)?["exp"] as? NSNumber).map { Date(timeIntervalSince1970: $0.doubleValue) }
    }
}

public enum Base64URL {
    public static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}

/// Keeps logins at least `spacing` apart across all sessions of a scan, for APIs that throttle or lock out quick
/// logins: one login at a time, each starting `spacing` after the previous one was answered.
public actor LoginGate {
    let spacing: Duration
    private var lastAnswered: ContinuousClock.Instant?
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(spacing: Duration) { self.spacing = spacing }

    func acquire() async {
        // A released gate is handed to the next in line with `busy` still set.
        if busy { await withCheckedContinuation { waiting.append($0) } }
        busy = true
        if let lastAnswered { try? await Task.sleep(until: lastAnswered + spacing, clock: .continuous) }
    }

    func release() {
        lastAnswered = .now
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}
