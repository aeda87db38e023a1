import NIOHTTP1

/// The gateway owns CORS: upstream Access-Control-* headers are dropped, and a route's policy (explicit
/// origins only) decides what the browser is told. No policy means no cross-origin access.
enum CORS {
    static let upstreamHeaders = ["access-control-allow-origin", "access-control-allow-credentials", "access-control-allow-methods",
                                  "access-control-allow-headers", "access-control-expose-headers", "access-control-max-age"]

    static func allows(_ policy: GatewayConfiguration.CORSPolicy, origin: String) -> Bool {
        policy.origins.contains("*") || policy.origins.contains(origin)
    }

    /// A preflight (OPTIONS with Access-Control-Request-Method) is answered by the gateway, before authentication.
    static func isPreflight(_ head: RequestHead) -> Bool {
        head.method == .OPTIONS && head.headers.contains(name: "origin") && head.headers.contains(name: "access-control-request-method")
    }

    /// The preflight answer's headers, or nil when the origin or method is not allowed.
    static func preflight(_ policy: GatewayConfiguration.CORSPolicy, _ head: RequestHead) -> [(String, String)]? {
        guard let origin = head.headers.first(name: "origin"), allows(policy, origin: origin),
              let method = head.headers.first(name: "access-control-request-method"), policy.methods.contains(method.uppercased()) else { return nil }
        var headers = [("Access-Control-Allow-Origin", policy.origins.contains("*") && !policy.credentials ? "*" : origin),
                       ("Access-Control-Allow-Methods", policy.methods.joined(separator: ", ")),
                       ("Access-Control-Allow-Headers", policy.headers.joined(separator: ", ")),
                       ("Access-Control-Max-Age", String(policy.maxAge)), ("Vary", "Origin")]
        if policy.credentials { headers.append(("Access-Control-Allow-Credentials", "true")) }
        return headers
    }

    /// The CORS headers of a response for the request's `origin` (the upstream's own were dropped: `upstreamHeaders`).
    static func apply(_ policy: GatewayConfiguration.CORSPolicy?, origin: String?, to headers: inout HeaderRewrite) {
        guard let policy, let origin, allows(policy, origin: origin) else { return }
        headers.add("Access-Control-Allow-Origin", policy.origins.contains("*") && !policy.credentials ? "*" : origin)
        if policy.credentials { headers.add("Access-Control-Allow-Credentials", "true") }
        headers.add("Vary", "Origin")
    }
}
