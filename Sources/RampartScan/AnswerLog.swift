import Foundation
import NIOConcurrencyHelpers
import RampartHTTP
import RampartSpec

/// What every answer of the scan showed, crawl included, for the passive checks: the first framework debug page
/// of each kind, the first answer naming its software, the first any origin may read, the first folder listing and
/// the first HTTP Basic challenge. Filled by the engine's observer as answers arrive.
final class AnswerLog: Sendable {
    private let state = NIOLockedValueBox(State())

    struct State {
        var debugPages: [String: Exchange] = [:]
        var debugOrder: [String] = []
        var banner: Exchange?
        var openCORS: Exchange?
        var listing: Exchange?
        var basicChallenge: Exchange?
        var tellingComment: (String, Exchange)?
        /// The first answer setting each cookie name.
        var cookies: [(name: String, value: String, exchange: Exchange)] = []
        /// The first JSON answer per method and path carrying a property that should never leave the server.
        var sensitive: [String: (hits: [String], exchange: Exchange)] = [:]
        var sensitiveOrder: [String] = []
    }

    static let comment = try! NSRegularExpression(pattern: #"<!--(.*?)-->"#, options: [.dotMatchesLineSeparators])
    static let tellingWords = try! NSRegularExpression(
        pattern: #"\b(password|passwd|username|user ?name|secret|api[_ -]?key|access[_ -]?key|private[_ -]?key|credentials?|developer)\b"#, options: [.caseInsensitive])
    static let base64Run = try! NSRegularExpression(pattern: #"[A-Za-z0-9+/]{20,}={0,2}"#)

    /// What an HTML comment gives away: the telling word it mentions, and whether it was base64-encoded; nil for the rest.
    static func telling(_ comment: String) -> String? {
        func word(in text: String) -> String? {
            Self.tellingWords.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)).flatMap { Range($0.range, in: text).map { String(text[$0]) } }
        }
        if let found = word(in: comment) { return "mentions \"\(found)\"" }
        for match in base64Run.matches(in: comment, range: NSRange(comment.startIndex..., in: comment)).prefix(5) {
            guard let range = Range(match.range, in: comment), let data = Data(base64Encoded: String(comment[range])),
                  let decoded = String(data: data, encoding: .utf8), let found = word(in: decoded) else { continue }
            return "mentions \"\(found)\" once base64-decoded"
        }
        return nil
    }

    /// Server-generated folder listings (Apache, nginx, Python's http.server, IIS, Flask-AutoIndex…).
    static let listingSignature = try! NSRegularExpression(pattern: #"<title>\s*(?:Index of |Directory listing for |Directory Listing)|\[To Parent Directory\]"#,
                                                           options: [.caseInsensitive])

    /// Framework error pages that show code, paths or a console; each pattern names its framework.
    static let debugPageSignatures: [(framework: String, pattern: NSRegularExpression)] = ([
        ("Werkzeug debugger", #"Werkzeug Debugger|The debugger caught an exception in your WSGI application"#),
        ("Python traceback", #"Traceback \(most recent call last\)"#),
        ("Django debug page", #"You're seeing this error because you have <code>DEBUG = True</code>"#),
        ("Rails exception page", #"Action Controller: Exception caught"#),
        ("Express stack trace", #"at Layer\.handle \[as handle_request\]|at (?:Module\._compile|Object\.<anonymous>) \(/"#),
        ("Spring Whitelabel error page", #"Whitelabel Error Page"#),
        ("Laravel/Ignition error page", #"Whoops, looks like something went wrong|Illuminate\\[A-Z]\w+\\"#),
        ("ASP.NET error page", #"Server Error in '/' Application|ASP\.NET is configured to show verbose error messages"#),
        ("PHP error", #"<b>(?:Fatal error|Warning|Parse error)</b>:.* on line <b>\d+</b>"#),
        ("Java stack trace", #"\bat [a-z][\w$]*(?:\.[\w$<>]+){2,}\([\w$]+\.java:\d+\)"#),
    ] as [(String, String)]).map { ($0, try! NSRegularExpression(pattern: $1)) }

    func record(_ exchange: Exchange) {
        let response = exchange.response
        let banner = TechnologyBanner.banners(in: response).isEmpty ? nil : exchange
        let allowed = response.header("Access-Control-Allow-Origin")
        let echoed = allowed.map { $0 == exchange.request.header("Origin") && CORSMisconfiguration.foreignOrigins.contains($0) } ?? false
        let openCORS = allowed == "*" || echoed ? exchange : nil
        // Whatever the status (some apps answer 200 with their error page); the first 400 kB are searched, with
        // patterns compiled once: this runs on every answer of the scan.
        let text = String(decoding: response.body.prefix(400_000), as: UTF8.self)
        let range = NSRange(text.startIndex..., in: text)
        let framework = Self.debugPageSignatures.first { $0.pattern.firstMatch(in: text, range: range) != nil }?.framework
        let listing = response.isSuccess && Self.listingSignature.firstMatch(in: text, range: range) != nil ? exchange : nil
        let comment = response.isSuccess && (response.header("Content-Type")?.contains("html") ?? false)
            ? Self.comment.matches(in: text, range: range).prefix(100).lazy.compactMap { match in
                Range(match.range(at: 1), in: text).flatMap { Self.telling(String(text[$0])) }
            }.first : nil
        let challenge = response.status == 401 && exchange.request.header("Authorization") == nil
            && (response.header("WWW-Authenticate")?.lowercased().hasPrefix("basic") ?? false) ? exchange : nil
        let cookies = response.headers(named: "Set-Cookie").compactMap { header -> (String, String)? in
            let pair = header.prefix { $0 != ";" }.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            return pair.count == 2 && !pair[1].isEmpty ? (pair[0], pair[1]) : nil
        }
        // JSON answers only, whatever their Content-Type says (this runs on every answer); logins and sign-ups hand
        // out tokens and echo what they were sent: not a leak.
        let opening = response.body.first { ![0x20, 0x09, 0x0a, 0x0d].contains($0) }
        let json = response.isSuccess && (opening == UInt8(ascii: "{") || opening == UInt8(ascii: "[")) && response.body.count <= 2_000_000
            && !APIDescription.Operation.isAuthenticationPath(exchange.request.url.path)
        let hits = json ? response.json.map { SensitiveDataExposure.sensitive(in: $0, path: "") } ?? [] : []
        guard banner != nil || framework != nil || openCORS != nil || listing != nil || challenge != nil || !cookies.isEmpty || comment != nil || !hits.isEmpty else { return }
        state.withLockedValue { state in
            let key = exchange.request.method + " " + exchange.request.url.path
            if !hits.isEmpty, state.sensitive[key] == nil, state.sensitiveOrder.count < 50 {
                state.sensitive[key] = (hits, exchange)
                state.sensitiveOrder.append(key)
            }
            if state.tellingComment == nil, let comment { state.tellingComment = (comment, exchange) }
            for (name, value) in cookies where !state.cookies.contains(where: { $0.name == name }) { state.cookies.append((name, value, exchange)) }
            if state.banner == nil { state.banner = banner }
            if state.openCORS == nil { state.openCORS = openCORS }
            if state.listing == nil { state.listing = listing }
            if state.basicChallenge == nil { state.basicChallenge = challenge }
            if let framework, state.debugPages[framework] == nil {
                state.debugPages[framework] = exchange
                state.debugOrder.append(framework)
            }
        }
    }

    var debugPages: [(framework: String, exchange: Exchange)] {
        state.withLockedValue { state in state.debugOrder.compactMap { name in state.debugPages[name].map { (name, $0) } } }
    }

    var banner: Exchange? { state.withLockedValue { $0.banner } }
    var openCORS: Exchange? { state.withLockedValue { $0.openCORS } }
    var listing: Exchange? { state.withLockedValue { $0.listing } }
    var cookies: [(name: String, value: String, exchange: Exchange)] { state.withLockedValue { $0.cookies } }
    /// JSON answers that carried passwords, keys or card numbers, in the order seen, with what they carried.
    var sensitive: [(hits: [String], exchange: Exchange)] { state.withLockedValue { state in state.sensitiveOrder.compactMap { state.sensitive[$0] } } }
    /// The first HTML comment that gives something away, with what it gives away.
    var tellingComment: (String, Exchange)? { state.withLockedValue { $0.tellingComment } }
    /// The first answer asking for HTTP Basic credentials, to try default ones on.
    var basicChallenge: Exchange? { state.withLockedValue { $0.basicChallenge } }
}
