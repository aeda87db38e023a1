import Foundation
import RampartCore
import RampartHTTP

/// Flaws of HTML pages and forms that an API scanner meets on web back ends: script markup stored or reflected
/// unescaped, forms that accept cross-site posts, password changes without the current password, and comments
/// that tell too much.
extension ScanContext {
    /// The first identity that holds its session in a cookie (where a browser would send it on its own).
    var cookieSession: Session? {
        sessions.first { session in
            switch session.identity.authentication {
            case .login(_, _, let cookie, _): cookie != nil
            case .cookies: true
            default: false
            }
        }
    }

    /// Crawled or described HTML forms posting to the API: POSTs taking form bodies.
    var postedForms: [Endpoint] { endpoints.filter { $0.method == "POST" && $0.takesFormBody && $0.pathParameters.isEmpty } }
}

extension Endpoint {
    /// Body fields meant for passwords (the crawl marks `type=password` inputs with format `password`).
    var passwordFields: [String] {
        bodyFieldOrder.filter { name in
            name.lowercased().contains("pass") || bodySchema?["properties"]?[name]?["format"]?.node.string == "password"
        }
    }
}

/// Markup sent in a field comes back unescaped in an HTML page: in the answer itself, or on any page later.
struct CrossSiteScripting: ScanCheck {
    let rule = RuleMetadata(
        id: "stored-xss", title: "Script markup is stored and served unescaped", severity: .high, owasp: .api8, cwe: [79],
        description: "Markup sent in a field came back unescaped in an HTML page: in the answer to the request itself (reflected) or on a page read afterwards (stored), so a script there runs in every visitor's browser.",
        remediation: "Escape output for its context (HTML-encode text; use the template engine's autoescaping), validate input, and send a Content-Security-Policy without 'unsafe-inline'.")

    func run(_ scan: ScanContext) async {
        // One marker per place, harmless and unique: an element with an event handler naming the place.
        var markers: [(marker: String, point: InjectionPoint)] = []
        for (index, point) in scan.injectionPoints().enumerated() {
            defer { scan.operationDone() }
            let marker = "<svg data-rampart=\(index) onload=rampart\(index)>"
            markers.append((marker, point))
            guard let exchange = await point.send(scan, payload: point.value + marker), Self.servesHTML(exchange.response),
                  exchange.response.text.contains(marker) else { continue }
            scan.report(rule, at: point.location(scan),
                        "\(point.place.rawValue) parameter \(point.name) of \(point.label): markup sent in it is reflected unescaped in the HTML answer\(Self.policyNote(exchange.response))",
                        proof: exchange, severity: Self.severity(exchange.response, base: .medium))
        }
        // Stored: every page the scan knows, read once after all the markers were sent.
        let reader = scan.users.first?.identity.name ?? scan.sessions.first?.identity.name
        for endpoint in scan.endpoints.filter({ $0.method == "GET" && $0.pathParameters.isEmpty }).prefix(30) {
            guard let page = await scan.send(scan.request(endpoint, identity: reader), as: reader), Self.servesHTML(page.response) else { continue }
            for (marker, point) in markers where page.response.text.contains(marker) {
                scan.report(rule, at: point.location(scan),
                            "markup sent in \(point.name) of \(point.label) is served unescaped by \(endpoint.label)\(Self.policyNote(page.response))",
                            proof: page, severity: Self.severity(page.response, base: .high))
            }
        }
    }

    static func servesHTML(_ response: ReceivedResponse) -> Bool {
        response.isSuccess && (response.header("Content-Type")?.lowercased().contains("text/html") ?? false)
    }

    /// A policy that forbids inline scripts keeps a browser from running the markup: one step lower then.
    static func severity(_ response: ReceivedResponse, base: Severity) -> Severity {
        blocksInlineScripts(response) ? (base == .high ? .medium : .low) : base
    }

    static func blocksInlineScripts(_ response: ReceivedResponse) -> Bool {
        guard let policy = response.header("Content-Security-Policy")?.lowercased() else { return false }
        let scripts = policy.split(separator: ";").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("script-src") }
            ?? policy.split(separator: ";").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("default-src") }
        return scripts.map { !$0.contains("'unsafe-inline'") } ?? false
    }

    static func policyNote(_ response: ReceivedResponse) -> String {
        blocksInlineScripts(response) ? " (a Content-Security-Policy without 'unsafe-inline' stops inline scripts in browsers)" : ""
    }
}

/// Forms a signed-in browser can be made to post from another site: no anti-forgery token, no SameSite cookie, and
/// a post carrying a foreign Origin accepted.
struct CrossSiteRequestForgery: ScanCheck {
    let rule = RuleMetadata(
        id: "csrf", title: "Forms accept cross-site posts", severity: .medium, owasp: .api8, cwe: [352],
        description: "A form of a cookie session carries no anti-forgery token, the session cookie has no SameSite restriction, and a post with a foreign Origin was accepted: any site can make a signed-in visitor submit it.",
        remediation: "Add a per-session anti-forgery token to every state-changing form, set SameSite=Lax (or Strict) on session cookies, and refuse foreign Origin headers.")
    static let tokenWords = ["csrf", "xsrf", "token", "authenticity", "nonce", "_once"]

    func run(_ scan: ScanContext) async {
        guard let session = scan.cookieSession, !(await Self.sameSiteCookie(scan, session)) else { return }
        let name = session.identity.name
        var reported = 0
        // Forms with a password field are left alone: submitting them would change or try credentials.
        for form in scan.postedForms where form.passwordFields.isEmpty && !form.bodyFieldOrder.contains(where: Self.isToken) {
            guard reported < 3 else { return }
            defer { scan.operationDone() }
            var request = scan.request(form, identity: name)
            request.setHeader("Origin", CORSMisconfiguration.foreignOrigins[0])
            request.setHeader("Referer", CORSMisconfiguration.foreignOrigins[0] + "/")
            guard let exchange = await scan.send(request, as: name), exchange.response.status < 400,
                  !exchange.response.text.lowercased().contains("csrf") else { continue }
            scan.report(rule, at: form.location(), "\(form.label) has no anti-forgery field and accepted a post from Origin \(CORSMisconfiguration.foreignOrigins[0]) (\(exchange.response.status))",
                        proof: exchange)
            reported += 1
        }
    }

    static func isToken(_ field: String) -> Bool {
        let name = field.lowercased()
        return tokenWords.contains { name.contains($0) }
    }

    /// Whether the identity's session cookie is SameSite=Lax or Strict (browsers then leave it off cross-site posts).
    static func sameSiteCookie(_ scan: ScanContext, _ session: Session) async -> Bool {
        guard case .login(_, _, let cookie?, _) = session.identity.authentication,
              let setCookie = scan.answers.cookies.first(where: { $0.name == cookie })?.exchange.response.headers(named: "Set-Cookie")
                .first(where: { $0.hasPrefix(cookie + "=") }) else { return false }
        let attributes = setCookie.lowercased().replacingOccurrences(of: " ", with: "")
        return attributes.contains("samesite=lax") || attributes.contains("samesite=strict")
    }
}

/// A password change form that does not ask for the current password: whoever holds a session (a stolen cookie, a
/// forged one, a CSRF post) owns the account.
struct PasswordChangeWithoutCurrent: ScanCheck {
    let rule = RuleMetadata(
        id: "password-change-without-current", title: "Password change does not ask for the current password", severity: .high, owasp: .api2, cwe: [620],
        description: "A form setting a new password has no field for the current one, and it accepted a change from the session alone.",
        remediation: "Require the current password (or a fresh re-authentication) for password and e-mail changes.")

    func run(_ scan: ScanContext) async {
        guard let session = scan.cookieSession, case .login(let login, _, _, _) = session.identity.authentication,
              let current = RegistrationTakeover.password(in: login)?.value else { return }
        let name = session.identity.name
        for form in scan.postedForms {
            let passwords = form.passwordFields
            let fields = form.bodyFieldOrder
            // A change, not a login: two password fields (new and again), or one on a path about passwords, and no user name.
            guard !passwords.isEmpty, passwords.count >= 2 || form.path.lowercased().contains("pass"),
                  LoginTemplate.keys(of: fields) == nil, !fields.contains(where: { ["current", "old"].contains(where: $0.lowercased().contains) }) else { continue }
            defer { scan.operationDone() }
            // Every password field set to the identity's own password: the change is real, and changes nothing.
            var body = scan.exampleBody(form, identity: name) ?? [:]
            for field in passwords { body[field] = current }
            guard let exchange = await scan.send(scan.request(form, identity: name, body: body), as: name), exchange.response.status < 400,
                  PrivilegedHeaderBypass.refusal(exchange.response) == nil || exchange.response.isRedirect else { continue }
            scan.report(rule, at: form.location(), "\(form.label) sets a new password from \(passwords.joined(separator: " and ")) alone and accepted it (\(exchange.response.status))",
                        proof: exchange)
            return
        }
    }
}

/// HTML comments that carry credentials, keys or encoded notes for developers, seen on any answer of the scan.
struct InformationInComments: ScanCheck {
    let rule = RuleMetadata(
        id: "information-in-comment", title: "HTML comments disclose internal information", severity: .low, owasp: .api8, cwe: [615],
        description: "A page carries an HTML comment mentioning credentials, keys or developer notes (directly or base64-encoded).",
        remediation: "Strip comments from served pages (a build step or template setting), and keep notes and credentials out of markup.")
    let passive = true

    func run(_ scan: ScanContext) async {
        guard let (what, exchange) = scan.answers.tellingComment else { return }
        let request = exchange.request
        scan.report(rule, at: Location(of: request),
                    "\(request.method) \(request.url.path) carries an HTML comment that \(what)", proof: exchange)
    }
}
