import Foundation

/// A parsed Content-Security-Policy: directive → source list, following the Observatory's parser:
/// directives are case-insensitive, sources lower-cased, an empty `*-src` means `'none'`, a repeated
/// directive in one policy makes the header invalid (except `report-uri`/`report-to`), and several
/// policies combine so that a source counts only if every policy allows it.
struct ContentSecurityPolicy {
    struct Invalid: Error {}

    var directives: [String: Set<String>]

    subscript(_ directive: String) -> Set<String>? { directives[directive] }

    /// The shortest policy worth parsing, as the Observatory counts it (`img-src` minus one).
    static let shortestPolicy = 6

    static func parse(_ policies: [String]) throws(Invalid) -> ContentSecurityPolicy {
        let cleaned = policies.map { $0.replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: "")
            .trimmingCharacters(in: .whitespaces) }
        guard !cleaned.isEmpty else { return ContentSecurityPolicy(directives: [:]) }
        guard cleaned.allSatisfy({ $0.count >= shortestPolicy }) else { throw Invalid() }

        struct Source { var text: String; var policy: Int; var keep: Bool }
        var combined: [String: [Source]] = [:]
        for (index, policy) in cleaned.enumerated() {
            var seen: Set<String> = []
            for entry in policy.split(separator: ";") {
                let words = entry.split(whereSeparator: \.isWhitespace).map(String.init)
                guard let first = words.first else { continue }
                let directive = first.lowercased()
                if !seen.insert(directive).inserted, !["report-uri", "report-to"].contains(directive) { throw Invalid() }
                let keep = index == 0
                var values = words.dropFirst().map { Source(text: $0.lowercased(), policy: index, keep: keep) }
                if values.isEmpty && directive.hasSuffix("-src") { values = [Source(text: "'none'", policy: index, keep: keep)] }
                var sources = index == 0 ? values : (combined[directive] ?? []) + values
                sources.sort { $0.text < $1.text }
                for i in sources.indices.dropFirst() {
                    let previous = sources[i - 1]
                    // Within one policy a longer source under a shorter one adds nothing.
                    if sources[i].policy == previous.policy && sources[i].text.hasPrefix(previous.text) { sources[i].keep = false }
                    // Across policies a source survives only when both allow it.
                    if sources[i].policy != previous.policy && pathPartMatch(previous.text, sources[i].text) { sources[i].keep = true }
                }
                combined[directive] = sources.filter(\.keep)
                // After the first policy, survivors must be re-confirmed by every later one.
                if index == 0 && cleaned.count > 1 {
                    combined[directive] = combined[directive]?.map { Source(text: $0.text, policy: $0.policy, keep: false) }
                }
            }
        }
        return ContentSecurityPolicy(directives: combined.mapValues { sources in
            sources.isEmpty ? ["'none'"] : Set(sources.map(\.text))
        })
    }

    private static func pathPartMatch(_ a: String, _ b: String) -> Bool {
        if a.isEmpty || (a == "/" && b.isEmpty) { return true }
        let exact = !a.hasSuffix("/")
        var partsA = a.components(separatedBy: "/")
        let partsB = b.components(separatedBy: "/")
        if partsA.count > partsB.count || (exact && partsA.count != partsB.count) { return false }
        if !exact { partsA.removeLast() }
        return zip(partsA, partsB).allSatisfy { ($0.removingPercentEncoding ?? $0) == ($1.removingPercentEncoding ?? $1) }
    }
}

/// `content-security-policy`
struct CSPTest: HeaderTest {
    static let name = "content-security-policy"

    static let dangerouslyBroad: Set<String> = ["ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*", "https://*.*"]
    static let unsafeInline: Set<String> = ["'unsafe-inline'", "data:"]
    static let noncesAndHashes = ["'sha256-", "'sha384-", "'sha512-", "'nonce-"]

    /// The policy from the response's headers, or nil when absent or invalid.
    static func policy(_ response: CapturedResponse) -> ContentSecurityPolicy? {
        let policies = response.values("Content-Security-Policy").flatMap { $0.split(separator: ",").map(String.init) }
        return try? ContentSecurityPolicy.parse(policies)
    }

    func run(_ evidence: HeaderEvidence, _ context: HeaderContext) -> (result: String, description: String) {
        guard let response = evidence.response else { return ("csp-not-implemented", "no response") }
        let policies = response.values("Content-Security-Policy").flatMap { $0.split(separator: ",").map(String.init) }
        let csp: ContentSecurityPolicy
        do { csp = try ContentSecurityPolicy.parse(policies) } catch {
            return ("csp-header-invalid", "the Content-Security-Policy header cannot be parsed")
        }
        guard !csp.directives.isEmpty else { return ("csp-not-implemented", "no Content-Security-Policy header") }

        let `default` = csp["default-src"]
        // Nonces and hashes make browsers ignore 'unsafe-inline'.
        func effective(_ list: Set<String>) -> Set<String> {
            list.contains(where: Self.isNonceOrHash) ? list.subtracting(["'unsafe-inline'"]) : list
        }
        var script = effective(csp["script-src"] ?? `default` ?? ["*"])
        let style = effective(csp["style-src"] ?? `default` ?? ["*"])
        let object = csp["object-src"] ?? `default` ?? ["*"]
        var result: String?
        func set(_ value: String) { if result == nil { result = value } }
        if script.contains(where: Self.isNonceOrHash) && script.contains("'strict-dynamic'") {
            script = script.filter { source in !(Self.dangerouslyBroad.contains { source.hasPrefix($0) } || source == "'self'" || source == "'unsafe-inline'") }
        } else if script.contains("'strict-dynamic'") {
            set("csp-header-invalid")
        }
        let passiveDirectives = ["img-src", "media-src"]
        let active = csp.directives.filter { !passiveDirectives.contains($0.key) && $0.key != "script-src" }.flatMap(\.value) + Array(script)
        let passive = passiveDirectives.flatMap { csp[$0] ?? `default` ?? [] }
        let insecure = { (source: String) in source.hasPrefix("http:") || source.hasPrefix("ftp:") }

        if script.contains(where: { Self.dangerouslyBroad.contains($0) || Self.unsafeInline.contains($0) })
            || object.contains(where: Self.dangerouslyBroad.contains) {
            set("csp-implemented-with-unsafe-inline")
        }
        if response.isHTTPS && active.contains(where: insecure) { set("csp-implemented-with-insecure-scheme") }
        if script.union(style).contains("'unsafe-eval'") { set("csp-implemented-with-unsafe-eval") }
        if response.isHTTPS && passive.contains(where: insecure) { set("csp-implemented-with-insecure-scheme-in-passive-content-only") }
        if style.contains(where: { Self.dangerouslyBroad.contains($0) || Self.unsafeInline.contains($0) }) {
            set("csp-implemented-with-unsafe-inline-in-style-src-only")
        }
        if `default` == ["'none'"] { set("csp-implemented-with-no-unsafe-default-src-none") }
        set("csp-implemented-with-no-unsafe")
        return (result!, "Content-Security-Policy: \(policies.joined(separator: ", ").prefix(200))")
    }

    static func isNonceOrHash(_ source: String) -> Bool { noncesAndHashes.contains { source.hasPrefix($0) } }
}
