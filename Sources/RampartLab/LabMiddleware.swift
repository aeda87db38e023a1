import Foundation
import HTTPTypes
import Hummingbird

/// What every lab response carries: CORS, security headers, rate limiting, and the TRACE method.
struct LabMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let state: LabState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let origin = request.headers[.origin]
        if request.method == .trace {
            // Flaw (API8): TRACE echoes the request, headers (and cookies) included.
            guard !state.secure else { return LabJSON.error(.methodNotAllowed, "method not allowed") }
            let head = "TRACE \(request.uri) HTTP/1.1\r\n" + request.headers.map { "\($0.name): \($0.value)\r\n" }.joined()
            return LabJSON.text(.ok, head, type: "message/http")
        }
        var response: Response
        var limit: (allowed: Bool, remaining: Int, reset: Int)?
        if state.secure {
            // One window per caller (token or anonymous), generous enough for a scan, with the IETF RateLimit headers.
            limit = state.allow("all:\(request.headers[.authorization] ?? "anonymous")", limit: 2_000, per: 10)
        }
        if let limit, !limit.allowed {
            response = LabJSON.error(.tooManyRequests, "rate limit exceeded")
            response.headers[.retryAfter] = String(limit.reset)
        } else if request.method == .options, origin != nil {
            response = Response(status: .noContent)
        } else {
            response = try await next(request, context)
        }
        if let limit {
            response.headers[HTTPField.Name("RateLimit-Limit")!] = "2000"
            response.headers[HTTPField.Name("RateLimit-Remaining")!] = String(limit.remaining)
            response.headers[HTTPField.Name("RateLimit-Reset")!] = String(limit.reset)
        }
        if state.secure {
            response.headers[.xContentTypeOptions] = "nosniff"
            response.headers[.cacheControl] = "no-store"
            response.headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'"
            response.headers[.strictTransportSecurity] = "max-age=31536000; includeSubDomains"
            response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        } else {
            // Flaw (API8): framework banner, and CORS that trusts any origin (null included) with credentials.
            response.headers[HTTPField.Name("X-Powered-By")!] = "Hummingbird/2.28 Swift/6.3"
            if let origin {
                response.headers[.accessControlAllowOrigin] = origin
                response.headers[.accessControlAllowCredentials] = "true"
                response.headers[.accessControlAllowMethods] = "GET, POST, PUT, PATCH, DELETE"
                response.headers[.accessControlAllowHeaders] = "Authorization, Content-Type"
            }
        }
        return response
    }
}
