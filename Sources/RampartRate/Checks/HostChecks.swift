import Foundation
import RampartCore

/// A real preflight and a real request from a foreign origin: is that origin echoed back, with credentials?
struct CORSReflection: HostCheck {
    static let metadata = RuleMetadata(
        id: "cors-reflects-any-origin", title: "CORS reflects any origin", severity: .high, owasp: .api8, cwe: [942],
        description: "The API echoes whatever Origin it receives in Access-Control-Allow-Origin. With Access-Control-Allow-Credentials: true any website can read authenticated responses in its visitors' browsers.",
        remediation: "Allow an explicit list of origins; never reflect the Origin header, and never combine a reflected origin with credentials.")

    static let probeOrigin = "https://rampart-probe.invalid"

    func run(_ context: HostContext) async -> [Finding] {
        let preflight = await context.fetch(context.path, method: .OPTIONS, headers: [
            ("Origin", Self.probeOrigin), ("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Headers", "authorization"),
        ])
        let simple = await context.fetch(context.path, headers: [("Origin", Self.probeOrigin)])
        for response in [preflight, simple].compactMap({ $0 }) where response.first("Access-Control-Allow-Origin") == Self.probeOrigin {
            let credentials = response.first("Access-Control-Allow-Credentials")?.lowercased() == "true"
            var finding = context.finding(Self.metadata, message: "Access-Control-Allow-Origin reflects \(Self.probeOrigin)" + (credentials ? " with credentials" : ""),
                                          evidence: "Origin: \(Self.probeOrigin)\nAccess-Control-Allow-Origin: \(Self.probeOrigin)" + (credentials ? "\nAccess-Control-Allow-Credentials: true" : ""),
                                          confidence: .certain)
            if !credentials { finding.severity = .medium }
            return [finding]
        }
        return []
    }
}

struct CORSNullOrigin: HostCheck {
    static let metadata = RuleMetadata(
        id: "cors-allows-null-origin", title: "CORS allows the null origin", severity: .high, owasp: .api8, cwe: [942],
        description: "The API answers Origin: null with Access-Control-Allow-Origin: null. Sandboxed iframes and local files send the null origin, so any attacker page can obtain it.",
        remediation: "Never allow the null origin.")

    func run(_ context: HostContext) async -> [Finding] {
        guard let response = await context.fetch(context.path, headers: [("Origin", "null")]),
              response.first("Access-Control-Allow-Origin") == "null" else { return [] }
        let credentials = response.first("Access-Control-Allow-Credentials")?.lowercased() == "true"
        var finding = context.finding(Self.metadata, message: "Origin: null is allowed" + (credentials ? " with credentials" : ""),
                                      evidence: "Access-Control-Allow-Origin: null", confidence: .certain)
        if !credentials { finding.severity = .medium }
        return [finding]
    }
}

struct AuthenticatedResponseCaching: HostCheck {
    static let metadata = RuleMetadata(
        id: "authenticated-response-cacheable", title: "Response with credentials may be cached", severity: .medium, owasp: .api8, cwe: [524],
        description: "A response that sets a session cookie or answers an authenticated request carries no Cache-Control: no-store or private, so shared caches and proxies may keep it and serve it to others.",
        remediation: "Send Cache-Control: no-store on every response that carries or depends on credentials.")

    func run(_ context: HostContext) async -> [Finding] {
        let main = context.main
        guard !main.values("Set-Cookie").isEmpty || main.first("WWW-Authenticate") != nil else { return [] }
        let cacheControl = main.first("Cache-Control")?.lowercased() ?? ""
        guard !cacheControl.contains("no-store"), !cacheControl.contains("private") else { return [] }
        return [context.finding(Self.metadata, message: "response sets credentials but Cache-Control is '\(cacheControl.isEmpty ? "absent" : cacheControl)'",
                                evidence: "Cache-Control: \(cacheControl)")]
    }
}

struct VersionBanner: HostCheck {
    static let metadata = RuleMetadata(
        id: "version-banner", title: "Server software and version disclosed", severity: .low, owasp: .api8, cwe: [200],
        description: "Headers such as Server, X-Powered-By or X-AspNet-Version name the software and version behind the API, telling attackers which known vulnerabilities to try.",
        remediation: "Remove X-Powered-By and version numbers from Server and similar headers.")

    func run(_ context: HostContext) async -> [Finding] {
        var findings: [Finding] = []
        for name in ["Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version", "X-Runtime", "X-Generator"] {
            guard let value = context.main.first(name) else { continue }
            let hasVersion = value.contains(where: \.isNumber)
            guard hasVersion || name != "Server" else { continue }
            findings.append(context.finding(Self.metadata, message: "\(name): \(value.prefix(80))", evidence: "\(name): \(value)", confidence: .certain))
        }
        return findings
    }
}

struct TraceEnabled: HostCheck {
    static let metadata = RuleMetadata(
        id: "trace-enabled", title: "HTTP TRACE enabled", severity: .medium, owasp: .api8, cwe: [693],
        description: "The server answers TRACE by echoing the request, which can expose credentials added by proxies and enables cross-site tracing.",
        remediation: "Disable the TRACE method.")

    func run(_ context: HostContext) async -> [Finding] {
        guard let response = await context.fetch("/", method: .TRACE, headers: [("X-Rampart-Trace", "probe")]),
              response.status == 200, response.body.contains("X-Rampart-Trace") || response.first("Content-Type")?.contains("message/http") == true
        else { return [] }
        return [context.finding(Self.metadata, message: "TRACE / echoes the request", evidence: String(response.body.prefix(200)), confidence: .certain)]
    }
}

struct StackTraceDisclosure: HostCheck {
    static let metadata = RuleMetadata(
        id: "stack-trace-disclosure", title: "Error page discloses a stack trace", severity: .medium, owasp: .api8, cwe: [209],
        description: "A malformed request produces an error page with a stack trace or framework debug output, disclosing code paths, library versions and sometimes data.",
        remediation: "Return a generic error body with a correlation id; log the details server-side only.")

    static let signatures = ["Traceback (most recent call last)", "Exception in thread", "at java.", "at org.springframework", ".java:",
                             "System.NullReferenceException", "Stack trace:", "goroutine 1 [running]", "node_modules/", "    at Object.",
                             "Fatal error: Uncaught", "on line <b>", "Whitelabel Error Page", "ActiveRecord::", "django.core", "RuntimeError:"]

    func run(_ context: HostContext) async -> [Finding] {
        for path in ["/%ff%fe'\"<rampart>", "/rampart-probe/..%2f..%2f", "/?rampart[]=%00"] {
            guard let response = await context.fetch(path), response.status >= 400 || response.status == 200 else { continue }
            if let signature = Self.signatures.first(where: { response.body.contains($0) }) {
                let excerpt = response.body.components(separatedBy: "\n").first { $0.contains(signature) } ?? signature
                return [context.finding(Self.metadata, path: path, message: "GET \(path) answered \(response.status) with a stack trace ('\(signature)')",
                                        evidence: excerpt)]
            }
        }
        return []
    }
}

struct ExposedAPIDescription: HostCheck {
    static let metadata = RuleMetadata(
        id: "api-description-exposed", title: "API description publicly served", severity: .info, owasp: .api9, cwe: [200],
        description: "The host serves its OpenAPI/Swagger description to anyone. That is fine for a public API, but for an internal one it maps every endpoint, parameter and schema for attackers.",
        remediation: "If the API is not public, serve its description only to authenticated developers.")

    static let paths = ["/openapi.json", "/openapi.yaml", "/swagger.json", "/v2/api-docs", "/v3/api-docs", "/api-docs", "/swagger/v1/swagger.json"]

    func run(_ context: HostContext) async -> [Finding] {
        var findings: [Finding] = []
        for path in Self.paths {
            guard let response = await context.fetch(path), response.status == 200,
                  response.body.contains("\"openapi\"") || response.body.contains("\"swagger\"") || response.body.hasPrefix("openapi:") || response.body.contains("\nopenapi:")
            else { continue }
            findings.append(context.finding(Self.metadata, path: path, message: "\(path) serves the API description", evidence: String(response.body.prefix(120)),
                                            confidence: .certain))
        }
        return findings
    }
}

struct SecurityTxtMissing: HostCheck {
    static let metadata = RuleMetadata(
        id: "security-txt-missing", title: "No security.txt", severity: .info, owasp: .api9, cwe: [1059],
        description: "The host publishes no /.well-known/security.txt (RFC 9116), so a researcher who finds a vulnerability has no documented way to report it.",
        remediation: "Publish /.well-known/security.txt with a Contact: and an Expires: line.",
        references: ["https://www.rfc-editor.org/rfc/rfc9116"])

    func run(_ context: HostContext) async -> [Finding] {
        if let response = await context.fetch("/.well-known/security.txt"), response.status == 200,
           response.body.lowercased().contains("contact:") { return [] }
        return [context.finding(Self.metadata, path: "/.well-known/security.txt", message: "no security.txt with a Contact: line", evidence: nil, confidence: .certain)]
    }
}
