import Foundation

/// `cookies`: Secure, HttpOnly on session cookies, SameSite.
struct CookiesTest: HeaderTest {
    static let name = "cookies"

    /// Worst last: a result only replaces one that is better.
    static let badness = ["cookies-without-secure-flag-but-protected-by-hsts", "cookies-without-secure-flag",
                          "cookies-session-without-secure-flag-but-protected-by-hsts", "cookies-samesite-flag-invalid",
                          "cookies-anticsrf-without-samesite-flag", "cookies-session-without-httponly-flag",
                          "cookies-session-without-secure-flag"]

    struct Cookie {
        var name: String
        var secure = false
        var httpOnly = false
        var sameSite: String?
        var sameSiteInvalid = false

        init?(_ header: String) {
            let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let pair = parts.first, let equals = pair.firstIndex(of: "="), equals != pair.startIndex else { return nil }
            name = String(pair[..<equals]).trimmingCharacters(in: .whitespaces)
            for attribute in parts.dropFirst() {
                let pieces = attribute.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                switch pieces[0].lowercased() {
                case "secure": secure = true
                case "httponly": httpOnly = true
                case "samesite":
                    let value = pieces.count > 1 ? pieces[1].lowercased() : ""
                    if ["lax", "strict", "none"].contains(value) { sameSite = value } else { sameSiteInvalid = true }
                default: break
                }
            }
        }
    }

    func run(_ evidence: HeaderEvidence, _ context: HeaderContext) -> (result: String, description: String) {
        let cookies = (evidence.response?.values("Set-Cookie") ?? []).compactMap(Cookie.init).filter { $0.name != "heroku-session-affinity" }
        guard !cookies.isEmpty else { return ("cookies-not-found", "no cookies set") }
        var result: String?
        func worsen(_ candidate: String) {
            if let current = result, (Self.badness.firstIndex(of: current) ?? -1) >= Self.badness.firstIndex(of: candidate)! { return }
            result = candidate
        }
        for cookie in cookies {
            let lower = cookie.name.lowercased()
            let session = lower.contains("login") || lower.contains("sess")
            if cookie.sameSiteInvalid || (!cookie.secure && cookie.sameSite == "none") { worsen("cookies-samesite-flag-invalid") }
            if !cookie.secure { worsen(context.hstsPassed ? "cookies-without-secure-flag-but-protected-by-hsts" : "cookies-without-secure-flag") }
            if lower.contains("csrf") && cookie.sameSite == nil { worsen("cookies-anticsrf-without-samesite-flag") }
            if session && !cookie.secure {
                worsen(context.hstsPassed ? "cookies-session-without-secure-flag-but-protected-by-hsts" : "cookies-session-without-secure-flag")
            }
            if session && !cookie.httpOnly { worsen("cookies-session-without-httponly-flag") }
        }
        let names = cookies.map(\.name).joined(separator: ", ")
        if let result { return (result, "cookies: \(names)") }
        let allSameSite = cookies.allSatisfy { $0.sameSite != nil }
        return (allSameSite ? "cookies-secure-with-httponly-sessions-and-samesite" : "cookies-secure-with-httponly-sessions", "cookies: \(names)")
    }
}

/// `cross-origin-resource-sharing`: does the host hand its content to any origin, with credentials?
struct CORSTest: HeaderTest {
    static let name = "cross-origin-resource-sharing"

    func run(_ evidence: HeaderEvidence, _ context: HeaderContext) -> (result: String, description: String) {
        guard let cors = evidence.cors, let allowed = cors.first("Access-Control-Allow-Origin") else {
            return ("cross-origin-resource-sharing-not-implemented", "no Access-Control-Allow-Origin")
        }
        let value = allowed.trimmingCharacters(in: .whitespaces).lowercased()
        if value == "*" { return ("cross-origin-resource-sharing-implemented-with-public-access", "Access-Control-Allow-Origin: *") }
        let credentials = cors.first("Access-Control-Allow-Credentials")?.trimmingCharacters(in: .whitespaces).lowercased() == "true"
        if let origin = cors.requestOrigin, origin == allowed, credentials {
            return ("cross-origin-resource-sharing-implemented-with-universal-access",
                    "reflects Origin \(origin) with Access-Control-Allow-Credentials: true")
        }
        return ("cross-origin-resource-sharing-implemented-with-restricted-access", "Access-Control-Allow-Origin: \(allowed.prefix(100))")
    }
}

/// `redirection`: does plain HTTP send clients to HTTPS on the same host first?
struct RedirectionTest: HeaderTest {
    static let name = "redirection"

    func run(_ evidence: HeaderEvidence, _ context: HeaderContext) -> (result: String, description: String) {
        if evidence.redirectHitInvalidCertificate { return ("redirection-invalid-cert", "a redirect led to an invalid certificate") }
        guard let chain = evidence.httpRedirectChain, let first = chain.first else {
            return ("redirection-not-needed-no-http", "plain HTTP is not served")
        }
        let route = chain.joined(separator: " → ")
        guard chain.count > 1 else { return ("redirection-missing", "\(first) does not redirect") }
        guard let last = chain.last, last.lowercased().hasPrefix("https://") else { return ("redirection-not-to-https", route) }
        let next = chain[1]
        guard next.lowercased().hasPrefix("https://") else { return ("redirection-not-to-https-on-initial-redirection", route) }
        if URL(string: next)?.host?.lowercased() != URL(string: first)?.host?.lowercased() {
            return ("redirection-off-host-from-http", route)
        }
        return ("redirection-to-https", route)
    }
}

/// `referrer-policy`
struct ReferrerPolicyTest: HeaderTest {
    static let name = "referrer-policy"
    static let privatePolicies = ["no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"]
    static let unsafePolicies = ["origin", "origin-when-cross-origin", "unsafe-url", "no-referrer-when-downgrade"]

    func run(_ evidence: HeaderEvidence, _ context: HeaderContext) -> (result: String, description: String) {
        let values = evidence.response?.values("Referrer-Policy") ?? []
        guard !values.isEmpty else { return ("referrer-policy-not-implemented", "no Referrer-Policy header") }
        // The last recognised policy wins, as in browsers.
        let policy = values.joined(separator: ",").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .last { Self.privatePolicies.contains($0) || Self.unsafePolicies.contains($0) } ?? ""
        let description = "Referrer-Policy: \(values.joined(separator: ", ").prefix(100))"
        if Self.privatePolicies.contains(policy) { return ("referrer-policy-private", description) }
        if Self.unsafePolicies.contains(policy) { return ("referrer-policy-unsafe", description) }
        return ("referrer-policy-header-invalid", description)
    }
}

/// `strict-transport-security`
struct HSTSTest: HeaderTest {
    static let name = "strict-transport-security"
    /// Six months as the Observatory counts it (15,552,000 s: many sites use 180 days).
    static let sixMonths = 15_552_000

    func run(_ evidence: HeaderEvidence, _ context: HeaderContext) -> (result: String, description: String) {
        guard let https = evidence.https else { return ("hsts-not-implemented-no-https", "the host does not serve HTTPS") }
        guard https.certificateVerified else { return ("hsts-invalid-cert", "HSTS needs a valid certificate chain") }
        guard let header = https.first("Strict-Transport-Security") else {
            return ("hsts-not-implemented", "no Strict-Transport-Security header")
        }
        let value = String(header.prefix(1024))
        let description = "Strict-Transport-Security: \(value.prefix(120))"
        guard !value.contains(",") else { return ("hsts-header-invalid", description) }
        let maxAge = value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .first { $0.hasPrefix("max-age=") }.flatMap { Int($0.dropFirst(8).prefix(120).trimmingCharacters(in: .init(charactersIn: "\""))) }
        guard let maxAge else { return ("hsts-header-invalid", description) }
        return (maxAge < Self.sixMonths ? "hsts-implemented-max-age-less-than-six-months" : "hsts-implemented-max-age-at-least-six-months", description)
    }
}

/// `subresource-integrity`: external scripts in HTML loaded over HTTPS and pinned with `integrity`.
struct SubresourceIntegrityTest: HeaderTest {
    static let name = "subresource-integrity"

    func run(_ evidence: HeaderEvidence, _ context: HeaderContext) -> (result: String, description: String) {
        guard let response = evidence.response, response.isHTML else {
            return ("sri-not-implemented-response-not-html", "not an HTML response")
        }
        let host = URL(string: response.url)?.host?.lowercased()
        let scripts = Self.scriptTags(in: response.body)
        guard !scripts.isEmpty else { return ("sri-not-implemented-but-no-scripts-loaded", "no <script src> tags") }
        var external = false, externalInsecure = false, anyIntegrity = false, externalWithoutIntegrity = false
        for (source, integrity) in scripts {
            anyIntegrity = anyIntegrity || integrity
            let lower = source.lowercased()
            let absolute = lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("//")
            guard absolute, URL(string: lower.hasPrefix("//") ? "https:" + source : source)?.host?.lowercased() != host else { continue }
            external = true
            if lower.hasPrefix("http://") || lower.hasPrefix("//") { externalInsecure = true }
            if !integrity { externalWithoutIntegrity = true }
        }
        let description = "\(scripts.count) script tag(s)"
        if !external { return (anyIntegrity ? "sri-implemented-and-all-scripts-loaded-securely" : "sri-not-implemented-but-all-scripts-loaded-from-secure-origin", description) }
        if externalInsecure { return (anyIntegrity ? "sri-implemented-but-external-scripts-not-loaded-securely" : "sri-not-implemented-and-external-scripts-not-loaded-securely", description) }
        return (externalWithoutIntegrity ? "sri-not-implemented-but-external-scripts-loaded-securely" : "sri-implemented-and-external-scripts-loaded-securely", description)
    }

    /// `<script … src="…" … integrity="…">` tags: a small scanner, enough for attribute extraction.
    static func scriptTags(in html: String) -> [(source: String, integrity: Bool)] {
        var tags: [(String, Bool)] = []
        var rest = html[...]
        while let open = rest.range(of: "<script", options: .caseInsensitive) {
            guard let close = rest[open.upperBound...].firstIndex(of: ">") else { break }
            let tag = rest[open.upperBound..<close]
            if let source = attribute("src", in: tag) { tags.append((source, attribute("integrity", in: tag) != nil)) }
            rest = rest[close...]
        }
        return tags
    }

    static func attribute(_ name: String, in tag: Substring) -> String? {
        guard let range = tag.range(of: "\(name)=", options: .caseInsensitive) else { return nil }
        var value = tag[range.upperBound...]
        if let quote = value.first, quote == "\"" || quote == "'" {
            value = value.dropFirst()
            return String(value.prefix { $0 != quote })
        }
        return String(value.prefix { !$0.isWhitespace })
    }
}

/// `x-content-type-options`
struct XContentTypeOptionsTest: HeaderTest {
    static let name = "x-content-type-options"

    func run(_ evidence: HeaderEvidence, _ context: HeaderContext) -> (result: String, description: String) {
        guard let value = evidence.response?.first("X-Content-Type-Options") else {
            return ("x-content-type-options-not-implemented", "no X-Content-Type-Options header")
        }
        let ok = value.prefix(256).trimmingCharacters(in: .whitespaces).lowercased() == "nosniff"
        return (ok ? "x-content-type-options-nosniff" : "x-content-type-options-header-invalid", "X-Content-Type-Options: \(value.prefix(60))")
    }
}

/// `x-frame-options`, satisfied by CSP `frame-ancestors` too.
struct XFrameOptionsTest: HeaderTest {
    static let name = "x-frame-options"

    func run(_ evidence: HeaderEvidence, _ context: HeaderContext) -> (result: String, description: String) {
        guard let response = evidence.response else { return ("x-frame-options-not-implemented", "no response") }
        if CSPTest.policy(response)?["frame-ancestors"] != nil {
            return ("x-frame-options-implemented-via-csp", "CSP frame-ancestors")
        }
        guard let header = response.first("X-Frame-Options") else { return ("x-frame-options-not-implemented", "no X-Frame-Options header") }
        let value = header.prefix(1024).trimmingCharacters(in: .whitespaces).lowercased()
        let description = "X-Frame-Options: \(header.prefix(60))"
        if value == "deny" || value == "sameorigin" { return ("x-frame-options-sameorigin-or-deny", description) }
        if value.hasPrefix("allow-from") { return ("x-frame-options-allow-from-origin", description) }
        return ("x-frame-options-header-invalid", description)
    }
}

/// The three Cross-Origin-*-Policy headers share one shape: a single structured-field token.
protocol CrossOriginPolicyTest: HeaderTest {
    static var header: String { get }
    static var prefix: String { get }
    /// Recognised token → result suffix.
    static var tokens: [String: String] { get }
}

extension CrossOriginPolicyTest {
    func run(_ evidence: HeaderEvidence, _ context: HeaderContext) -> (result: String, description: String) {
        let values = evidence.response?.values(Self.header) ?? []
        guard let value = values.first else { return ("\(Self.prefix)-not-implemented", "no \(Self.header) header") }
        let description = "\(Self.header): \(value.prefix(60))"
        // A structured-field token, parameters (";…") ignored; two headers are ambiguous.
        let token = value.prefix(1024).split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard values.count == 1, let suffix = Self.tokens[token] else { return ("\(Self.prefix)-header-invalid", description) }
        return ("\(Self.prefix)-implemented-with-\(suffix)", description)
    }
}

/// `cross-origin-resource-policy`
struct CrossOriginResourcePolicyTest: CrossOriginPolicyTest {
    static let name = "cross-origin-resource-policy"
    static let header = "Cross-Origin-Resource-Policy"
    static let prefix = "corp"
    static let tokens = ["same-origin": "same-origin", "same-site": "same-site", "cross-origin": "cross-origin"]
}

/// `cross-origin-embedder-policy`
struct CrossOriginEmbedderPolicyTest: CrossOriginPolicyTest {
    static let name = "cross-origin-embedder-policy"
    static let header = "Cross-Origin-Embedder-Policy"
    static let prefix = "coep"
    static let tokens = ["require-corp": "require-corp", "credentialless": "credentialless", "unsafe-none": "unsafe-none"]
}

/// `cross-origin-opener-policy`
struct CrossOriginOpenerPolicyTest: CrossOriginPolicyTest {
    static let name = "cross-origin-opener-policy"
    static let header = "Cross-Origin-Opener-Policy"
    static let prefix = "coop"
    static let tokens = ["same-origin": "same-origin", "same-origin-allow-popups": "same-origin-allow-popups",
                         "noopener-allow-popups": "noopener-allow-popups", "unsafe-none": "unsafe-none"]
}
