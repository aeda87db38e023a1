import Foundation
import RampartCore
import RampartHTTP

/// An arbitrary Origin (and `null`) reflected with credentials allowed.
struct CORSMisconfiguration: ScanCheck {
    let rule = RuleMetadata(
        id: "cors-reflects-origin", title: "CORS trusts any origin with credentials", severity: .high, owasp: .api8, cwe: [942],
        description: "The API echoed an arbitrary Origin (or `null`) in Access-Control-Allow-Origin and allowed credentials, so any web page can call it as the signed-in user.",
        remediation: "Allow only a fixed list of trusted origins, never `null`, and send Access-Control-Allow-Credentials only for them.")

    static let foreignOrigins = ["https://evil.rampart.test", "null"]

    func run(_ scan: ScanContext) async {
        // Every GET the scan knows (a bounded number; secured ones first, where credentials matter), then `/`;
        // each as the first identity and anonymously.
        let identity = scan.users.first?.identity.name ?? scan.sessions.first?.identity.name
        let gets = scan.endpoints.filter { $0.method == "GET" }
        let ordered = gets.filter { $0.isSecured && $0.pathParameters.isEmpty } + gets.filter { $0.isSecured && !$0.pathParameters.isEmpty } + gets.filter { !$0.isSecured }
        var requests: [(endpoint: Endpoint?, request: OutboundRequest)] = ordered.prefix(15).map { ($0, scan.request($0, identity: identity)) }
        requests.append((nil, OutboundRequest(method: "GET", url: scan.url("/"))))
        for (endpoint, request) in requests {
            defer { scan.operationDone() }
            for origin in Self.foreignOrigins {
                var request = request
                request.setHeader("Origin", origin)
                for sender in identity.map({ [$0, nil] }) ?? [nil] {
                    guard let exchange = await scan.send(request, as: sender), exchange.response.header("Access-Control-Allow-Origin") == origin,
                          exchange.response.header("Access-Control-Allow-Credentials")?.lowercased() == "true" else { continue }
                    scan.report(rule, at: endpoint?.location() ?? Location(method: "GET", path: "/"),
                                "\(request.method) \(request.url.path): Origin \(origin) is reflected with Access-Control-Allow-Credentials: true", proof: exchange)
                    return
                }
            }
        }
    }
}

/// Any answer of the scan that lets every origin read it: `*` or a reflected foreign origin, without credentials.
struct CORSAnyOrigin: ScanCheck {
    let rule = RuleMetadata(
        id: "cors-any-origin", title: "CORS lets any origin read answers", severity: .low, owasp: .api8, cwe: [942],
        description: "An answer carried Access-Control-Allow-Origin: * or echoed a foreign Origin, so any web page can read it from a visitor's browser (fine for public data, a leak for anything private or network-restricted).",
        remediation: "Send Access-Control-Allow-Origin only for a fixed list of trusted origins, and only on answers meant to be shared.")
    let passive = true

    func run(_ scan: ScanContext) async {
        guard let exchange = scan.answers.openCORS else { return }
        let request = exchange.request
        let granted = exchange.response.header("Access-Control-Allow-Origin") ?? "*"
        scan.report(rule, at: Location(of: request),
                    "\(request.method) \(request.url.path) answers with Access-Control-Allow-Origin: \(granted)\(granted == "*" ? "" : " (the request's Origin echoed)")",
                    proof: exchange)
    }
}

/// Security headers on API responses: nosniff always, no-store on authenticated data, HSTS over https.
struct MissingSecurityHeaders: ScanCheck {
    let rule = RuleMetadata(
        id: "missing-security-headers", title: "API responses lack security headers", severity: .low, owasp: .api8, cwe: [693, 525],
        description: "Responses miss headers every API should send: X-Content-Type-Options: nosniff, Cache-Control: no-store on authenticated data, and HSTS over https.",
        remediation: "Add the headers once, in middleware or the gateway, for every response.")
    let passive = true

    func run(_ scan: ScanContext) async {
        guard let (endpoint, identity, exchange) = scan.observed.first(where: { $0.identity != nil && $0.endpoint.isSecured }) ?? scan.observed.first else { return }
        let response = exchange.response
        var missing: [String] = []
        if response.header("X-Content-Type-Options")?.lowercased() != "nosniff" { missing.append("X-Content-Type-Options: nosniff") }
        if identity != nil, !(response.header("Cache-Control")?.lowercased().contains("no-store") ?? false) { missing.append("Cache-Control: no-store (authenticated data)") }
        if exchange.request.url.scheme == "https", response.header("Strict-Transport-Security") == nil { missing.append("Strict-Transport-Security") }
        guard !missing.isEmpty else { return }
        let severity: Severity = missing.contains { $0.hasPrefix("Cache-Control") } ? .medium : .low
        scan.report(rule, at: endpoint.location(), "\(endpoint.label) answers without \(missing.joined(separator: ", "))", proof: exchange, severity: severity)
    }
}

/// Server and framework names with versions in response headers.
struct TechnologyBanner: ScanCheck {
    let rule = RuleMetadata(
        id: "technology-banner", title: "Responses name the server software and its version", severity: .low, owasp: .api8, cwe: [497, 200],
        description: "A header such as Server, X-Powered-By or X-AspNet-Version names the software and version behind the API, which tells attackers which known vulnerabilities to try.",
        remediation: "Remove X-Powered-By and version headers, and reduce Server to a product name without version.")
    let passive = true
    static let headers = ["Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version", "X-Runtime", "X-Generator"]

    func run(_ scan: ScanContext) async {
        guard let exchange = scan.answers.banner else { return }
        let banners = Self.banners(in: exchange.response)
        scan.report(rule, at: Location(method: "GET", path: "/"),
                    "\(exchange.request.method) \(exchange.request.url.path) answers with \(banners.joined(separator: ", "))", proof: exchange)
    }

    /// `Server: gunicorn/20.1` and the like: a banner header whose value carries a version.
    static func banners(in response: ReceivedResponse) -> [String] {
        headers.compactMap { name in
            response.header(name).flatMap { $0.range(of: #"\d+\.\d+"#, options: .regularExpression) != nil ? "\(name): \($0)" : nil }
        }
    }
}

/// Malformed JSON sent to operations that take JSON: stack traces and internals in the answer.
struct VerboseErrors: ScanCheck {
    let rule = RuleMetadata(
        id: "verbose-errors", title: "Errors reveal internals", severity: .medium, owasp: .api8, cwe: [209, 497],
        description: "An error response carried a stack trace, source paths, SQL text or framework internals.",
        remediation: "Return a generic error body (RFC 9457 problem+json) and log the details on the server only.")
    static let signatures = [#"(?i)stack ?trace"#, #"\bat [\w.$<>]+\(.*\.(swift|java|kt|cs|go|py|js|ts|rb|php):\d+\)"#, #"Traceback \(most recent call last\)"#,
                             #"(?i)exception in thread"#, #"(?i)fatal error:"#, #"\.(swift|java|py|js|rb|php|go):\d+"#, #"SQLITE_ERROR|SQLSTATE|ORA-\d{5}|PG::"#]

    func run(_ scan: ScanContext) async {
        guard let identity = scan.users.first?.identity.name else { return }
        for endpoint in scan.creators.prefix(5) {
            defer { scan.operationDone() }
            var request = scan.request(endpoint, identity: identity)
            request.body = Data(#"{"rampart": "unterminated"#.utf8)
            guard let exchange = await scan.send(request, as: identity), exchange.response.status >= 400,
                  let signature = Self.match(exchange.response.text) else { continue }
            scan.report(rule, at: endpoint.location(), "malformed JSON to \(endpoint.label) answered \(exchange.response.status) with internals (\(signature))", proof: exchange)
            return
        }
    }

    static func match(_ text: String) -> String? {
        for pattern in signatures {
            if let range = text.range(of: pattern, options: .regularExpression) { return String(text[range].prefix(60)) }
        }
        return nil
    }
}

/// TRACE echoing the request back.
struct TraceEnabled: ScanCheck {
    let rule = RuleMetadata(
        id: "http-trace-enabled", title: "HTTP TRACE is enabled", severity: .medium, owasp: .api8, cwe: [693],
        description: "The server answers TRACE by echoing the request, headers and cookies included (cross-site tracing).",
        remediation: "Disable TRACE (and TRACK) in the server or the gateway.")

    func run(_ scan: ScanContext) async {
        let marker = "rampart-trace-\(UUID().uuidString.prefix(8))"
        let request = OutboundRequest(method: "TRACE", url: scan.url("/"), headers: [("X-Rampart-Trace", marker)])
        guard let exchange = await scan.send(request, as: nil), exchange.response.isSuccess, exchange.response.text.contains(marker) else { return }
        scan.report(rule, at: Location(method: "TRACE", path: "/"), "TRACE / echoed the request headers back", proof: exchange)
    }
}

/// Framework debug pages and stack traces in any answer of the scan (the crawl's included), unknown paths provoked once.
struct DebugPageExposed: ScanCheck {
    let rule = RuleMetadata(
        id: "debug-page-exposed", title: "Framework debug page or stack trace exposed", severity: .medium, owasp: .api8, cwe: [215, 209],
        description: "An answer carried a framework's debug page or a stack trace (Werkzeug's debugger, Django's DEBUG page, a Java or Node trace…): source paths, code and sometimes an interactive console.",
        remediation: "Turn debug mode off in production and answer errors with a generic body; log details on the server only.")
    let passive = true

    func run(_ scan: ScanContext) async {
        // An unknown path provokes the error page most frameworks share; every other answer was seen as it came.
        let unknown = scan.url("/rampart-\(UUID().uuidString.prefix(8).lowercased())")
        _ = await scan.send(OutboundRequest(method: "GET", url: unknown, headers: [("Accept", "text/html,application/json")]), as: nil)
        guard let (framework, exchange) = scan.answers.debugPages.first else { return }
        let others = scan.answers.debugPages.dropFirst().map(\.framework)
        let request = exchange.request
        scan.report(rule, at: Location(of: request),
                    "\(request.method) \(request.url.path) answered \(exchange.response.status) with a \(framework)\(others.isEmpty ? "" : " (also seen: \(others.joined(separator: ", ")))")",
                    proof: exchange)
    }
}

/// A folder listing generated by the server, seen on any answer of the scan.
struct DirectoryListing: ScanCheck {
    let rule = RuleMetadata(
        id: "directory-listing", title: "Folder contents are listed", severity: .medium, owasp: .api8, cwe: [548],
        description: "The server answered a folder with a generated listing of its files (\"Index of /…\"), showing backups, sources and data nobody linked to.",
        remediation: "Turn automatic indexes off (autoindex off, Options -Indexes, no directory browsing middleware) and keep such files out of the web root.")
    let passive = true

    func run(_ scan: ScanContext) async {
        guard let exchange = scan.answers.listing else { return }
        let request = exchange.request
        scan.report(rule, at: Location(of: request), "\(request.method) \(request.url.path) answered with a listing of its files", proof: exchange)
    }
}
