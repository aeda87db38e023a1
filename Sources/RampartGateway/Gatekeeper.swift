import Foundation
import NIOCore
import NIOHTTP1

/// Authentication, authorization and rate limits for one route: the decisions made before a request
/// may reach its upstream.
public final class Gatekeeper: Sendable {
    let jwt: [String: JWTAuthenticator]
    let apiKeys: [String: APIKeyAuthenticator]
    /// Authenticators that take the verified client certificate as the identity.
    let mutualTLS: Set<String>
    let limiter: any RateLimitStore

    public enum Decision: Sendable {
        case allow(Principal?, responseHeaders: [(String, String)])
        /// `reason` goes to the audit log; the client sees only the status.
        case deny(HTTPResponseStatus, reason: String, headers: [(String, String)])
    }

    init(jwt: [String: JWTAuthenticator], apiKeys: [String: APIKeyAuthenticator], mutualTLS: Set<String>, limiter: any RateLimitStore) {
        self.jwt = jwt
        self.apiKeys = apiKeys
        self.mutualTLS = mutualTLS
        self.limiter = limiter
    }

    /// Builds the authenticators of a configuration, fetching their keys; files are read relative to `baseDirectory`.
    /// `limiter` carries rate-limit state over a reload.
    static func load(_ configuration: GatewayConfiguration, baseDirectory: String, limiter: (any RateLimitStore)? = nil) async throws -> Gatekeeper {
        var jwt: [String: JWTAuthenticator] = [:], apiKeys: [String: APIKeyAuthenticator] = [:], mutualTLS: Set<String> = []
        for (name, authenticator) in configuration.authenticators {
            switch authenticator {
            case .jwt(let settings):
                do { jwt[name] = JWTAuthenticator(name: name, keys: try await IssuerKeys.load(settings, baseDirectory: baseDirectory)) } catch {
                    throw GatekeeperError.keys(name, error.description)
                }
            case .apiKey(let header, let keys):
                apiKeys[name] = APIKeyAuthenticator(name: name, header: header, keys: keys)
            case .mutualTLS:
                mutualTLS.insert(name)
            }
        }
        return Gatekeeper(jwt: jwt, apiKeys: apiKeys, mutualTLS: mutualTLS, limiter: limiter ?? InMemoryRateLimitStore())
    }

    public enum GatekeeperError: Error, CustomStringConvertible {
        case keys(String, String)
        public var description: String {
            switch self {
            case .keys(let authenticator, let problem): "authenticator '\(authenticator)': \(problem)"
            }
        }
    }

    /// The decision when it needs no waiting (no authentication, an API key, or a JWT seen before);
    /// nil when a JWT's signature must be verified first (`decideVerifying`).
    func decide(_ route: GatewayConfiguration.Route, head: RequestHead, parameters: [String: String], client: String,
                certificate: ClientCertificate? = nil) -> Decision? {
        guard !route.authenticate.isEmpty else { return limit(route, principal: nil, client: client) }
        let bearer = Self.bearer(head)
        for name in route.authenticate {
            if mutualTLS.contains(name), let certificate {
                return authorize(route, certificate.principal(authenticator: name), parameters: parameters, client: client)
            }
            if let authenticator = apiKeys[name], let presented = head.headers.first(name: authenticator.header),
               let principal = authenticator.authenticate(presented) {
                return authorize(route, principal, parameters: parameters, client: client)
            }
            if let authenticator = jwt[name], let bearer, let principal = authenticator.cached(bearer) {
                return authorize(route, principal, parameters: parameters, client: client)
            }
        }
        // A bearer token no JWT authenticator of the route has seen yet: its signature must be verified first.
        if bearer != nil && route.authenticate.contains(where: { jwt[$0] != nil }) { return nil }
        let reason = bearer != nil ? "credentials not accepted" : route.authenticate.contains(where: mutualTLS.contains) ? "no client certificate" : "no credentials"
        return .deny(.unauthorized, reason: reason, headers: [("WWW-Authenticate", #"Bearer realm="rampart""#)])
    }

    /// The decision after verifying the bearer JWT with each JWT authenticator of the route in turn.
    func decideVerifying(_ route: GatewayConfiguration.Route, head: RequestHead, parameters: [String: String], client: String) async -> Decision {
        guard let bearer = Self.bearer(head) else { return .deny(.unauthorized, reason: "no credentials", headers: [("WWW-Authenticate", #"Bearer realm="rampart""#)]) }
        var reasons: [String] = []
        for name in route.authenticate {
            guard let authenticator = jwt[name] else { continue }
            switch await authenticator.verify(bearer) {
            case .success(let principal): return authorize(route, principal, parameters: parameters, client: client)
            case .failure(let failure): reasons.append("\(name): \(failure.reason)")
            }
        }
        return .deny(.unauthorized, reason: reasons.joined(separator: "; "), headers: [("WWW-Authenticate", #"Bearer realm="rampart", error="invalid_token""#)])
    }

    func authorize(_ route: GatewayConfiguration.Route, _ principal: Principal, parameters: [String: String], client: String) -> Decision {
        if let rules = route.authorize {
            if !rules.roles.isEmpty && principal.roles.isDisjoint(with: rules.roles) {
                return .deny(.forbidden, reason: "\(principal.subject) lacks role \(rules.roles.joined(separator: "|"))", headers: [])
            }
            if let missing = rules.scopes.first(where: { !principal.scopes.contains($0) }) {
                return .deny(.forbidden, reason: "\(principal.subject) lacks scope \(missing)", headers: [])
            }
            if let (claim, _) = rules.claims.first(where: { principal.claims[$0.key] != $0.value }) {
                return .deny(.forbidden, reason: "\(principal.subject): claim \(claim) does not match", headers: [])
            }
            if let owner = rules.owner, !(owner.unlessRole.map(principal.roles.contains) ?? false),
               parameters[owner.parameter] != principal.claims[owner.claim] {
                return .deny(.forbidden, reason: "\(principal.subject) is not the owner of \(owner.parameter)=\(parameters[owner.parameter] ?? "")", headers: [])
            }
        }
        return limit(route, principal: principal, client: client)
    }

    /// Applies the route's rate limits; the first limit's state goes into the RateLimit headers.
    func limit(_ route: GatewayConfiguration.Route, principal: Principal?, client: String) -> Decision {
        guard !route.rateLimits.isEmpty else { return .allow(principal, responseHeaders: []) }
        let now = Double(NIODeadline.now().uptimeNanoseconds) / 1e9
        var headers: [(String, String)] = []
        for (index, rule) in route.rateLimits.enumerated() {
            // `route#index|ip=…|sub=…`, appended in place into room for all of it (this runs for every request).
            var key = ""
            key.reserveCapacity(route.name.utf8.count + 24 + client.utf8.count + (principal.map { $0.authenticator.utf8.count + $0.subject.utf8.count } ?? 0))
            key += route.name
            key += "#"
            key += String(index)
            for part in rule.key {
                switch part {
                case "ip": key += "|ip="; key += client
                case "route": key += "|route="; key += route.name
                default: key += "|sub="; if let principal { key += principal.authenticator; key += ":"; key += principal.subject } else { key += "-" }
                }
            }
            let decision = limiter.take(key, rule.limit, now: now)
            let limitHeaders = [("RateLimit-Limit", String(rule.limit.burst)), ("RateLimit-Remaining", String(decision.remaining)),
                                ("RateLimit-Reset", String(Int(decision.reset.rounded(.up))))]
            guard decision.allowed else {
                return .deny(.tooManyRequests, reason: "rate limit \(rule.limit.limit)/\(rule.limit.period.formatted())s per \(rule.key.joined(separator: "+"))",
                             headers: limitHeaders + [("Retry-After", String(Int((decision.retryAfter ?? 1).rounded(.up))))])
            }
            if index == 0 { headers = limitHeaders }
        }
        return .allow(principal, responseHeaders: headers)
    }

    static func bearer(_ head: RequestHead) -> String? {
        credential(head, scheme: "bearer ").map(String.init)
    }

    /// The user named by a Basic `Authorization` header (the password is not kept).
    static func basicUsername(_ head: RequestHead) -> String? {
        guard let encoded = credential(head, scheme: "basic "), let decoded = Data(base64Encoded: String(encoded)) else { return nil }
        return String(decoding: decoded, as: UTF8.self).split(separator: ":", maxSplits: 1).first.map(String.init)
    }

    /// The `Authorization` header's value after `scheme` (lower case, with its space), compared without lower-casing the token.
    private static func credential(_ head: RequestHead, scheme: String) -> Substring? {
        // On bytes: a token is hundreds of characters, and this runs for every request.
        guard let value = head.headers.first(name: "authorization"), value.utf8.count > scheme.utf8.count,
              zip(value.utf8, scheme.utf8).allSatisfy({ HeaderRewrite.lower($0) == $1 }) else { return nil }
        return Substring(value.utf8.dropFirst(scheme.utf8.count)).trimmingSpaces
    }
}
