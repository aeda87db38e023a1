import Foundation
import RampartHTTP

/// Remembers work several checks need once: cracked JWT secrets.
actor SharedWork {
    private var secrets: [String: Task<String?, Never>] = [:]

    func secret(for token: String, wordlist: String?) async -> String? {
        if let task = secrets[token] { return await task.value }
        let task = Task { () -> String? in
            guard let jwt = JWT(token) else { return nil }
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

    /// Sends the probe with `authorization` instead of the identity's credentials (or with `query` items added); the exchange if it was accepted.
    func accepted(_ scan: ScanContext, authorization: String? = nil, query: [URLQueryItem] = []) async -> Exchange? {
        var request = request
        if let authorization { request.setHeader("Authorization", authorization) }
        if !query.isEmpty, var components = URLComponents(url: request.url, resolvingAgainstBaseURL: false) {
            components.queryItems = (components.queryItems ?? []) + query
            request.url = components.url ?? request.url
        }
        guard let exchange = await scan.send(request, as: nil), exchange.response.isSuccess else { return nil }
        return exchange
    }
}

extension ScanContext {
    /// A probe for `session` (or the first identity holding a bearer token): a secured GET without path placeholders.
    func authProbe(for wanted: Session? = nil, algorithm: String? = nil) async -> AuthProbe? {
        var candidates: [Session] = []
        if let wanted { candidates = [wanted] } else {
            for session in sessions {
                guard let token = try? await session.token(), let jwt = JWT(token) else { continue }
                if algorithm == nil || jwt.algorithm == algorithm { candidates.append(session) }
            }
        }
        let gets = endpoints.filter { $0.method == "GET" && $0.isSecured && $0.pathParameters.isEmpty && !$0.isAdminOnly }
        for session in candidates {
            for endpoint in gets {
                let request = self.request(endpoint, identity: session.identity.name)
                guard let baseline = await send(request, as: session.identity.name, endpoint: endpoint), baseline.response.isSuccess,
                      let anonymous = await send(request, as: nil), [401, 403].contains(anonymous.response.status) else { continue }
                return AuthProbe(endpoint: endpoint, session: session, request: request, baseline: baseline)
            }
        }
        return nil
    }

    /// The login request of the first identity that logs in with a JSON body, with its e-mail and password fields.
    var loginTemplate: (request: OutboundRequest, body: [String: Any], userKey: String, passwordKey: String)? {
        for session in sessions {
            guard case .login(let template, _, _, _, _) = session.identity.authentication, let request = template.request(base: base),
                  let data = template.body, let body = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { continue }
            guard let passwordKey = body.keys.first(where: { $0.lowercased().contains("pass") }),
                  let userKey = body.keys.first(where: { key in ["email", "user", "login", "name"].contains { key.lowercased().contains($0) } }) else { continue }
            return (request, body, userKey, passwordKey)
        }
        return nil
    }
}
