/// One Observatory test: looks at the captured responses and names its result.
protocol HeaderTest: Sendable {
    static var name: String { get }
    func run(_ evidence: HeaderEvidence, _ context: HeaderContext) -> (result: String, description: String)
}

/// Results other tests depend on (cookies need to know whether HSTS passed).
struct HeaderContext {
    var hstsPassed: Bool
}

/// The Observatory's grade letters, finer than the shared A+…F.
public enum ObservatoryGrade {
    /// Score → grade: round down to a multiple of 5, anything from 100 up is A+.
    public static func letter(for score: Int) -> String {
        let chart: [(Int, String)] = [(100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"), (60, "C+"),
                                      (50, "C"), (45, "C-"), (40, "D+"), (30, "D"), (25, "D-"), (0, "F")]
        let rounded = min(max(score, 0) / 5 * 5, 100)
        return chart.first { rounded >= $0.0 }!.1
    }
}

/// The header verdict of one host.
public struct HeaderVerdict: Codable, Hashable, Sendable {
    /// The Observatory's score and grade, unchanged.
    public var score: Int
    public var grade: String
    /// Rampart's API view, only for non-HTML responses: CSP and X-Frame-Options guard documents a
    /// browser renders, so their penalties are left out for JSON APIs. Shown beside, never instead of, the Observatory's.
    public var apiScore: Int?
    public var apiGrade: String?
    public var tests: [HeaderTestResult]
}

public enum HeaderGrader {
    /// Start at 100, take the penalties, add the bonuses only if the result is still 90 or more.
    public static let minimumScoreForBonus = 90

    static let tests: [any HeaderTest] = [
        CSPTest(), CookiesTest(), CORSTest(), RedirectionTest(), ReferrerPolicyTest(), HSTSTest(),
        SubresourceIntegrityTest(), XContentTypeOptionsTest(), XFrameOptionsTest(),
        CrossOriginResourcePolicyTest(), CrossOriginEmbedderPolicyTest(), CrossOriginOpenerPolicyTest(),
    ]

    /// Results that count as passing, per test (the rest fail).
    static let passing: Set<String> = [
        "csp-implemented-with-no-unsafe", "csp-implemented-with-no-unsafe-default-src-none",
        "csp-implemented-with-unsafe-inline-in-style-src-only", "csp-implemented-with-insecure-scheme-in-passive-content-only",
        "cookies-not-found", "cookies-secure-with-httponly-sessions-and-samesite", "cookies-secure-with-httponly-sessions",
        "cross-origin-resource-sharing-not-implemented", "cross-origin-resource-sharing-implemented-with-public-access",
        "cross-origin-resource-sharing-implemented-with-restricted-access",
        "redirection-to-https", "redirection-all-redirects-preloaded", "redirection-not-needed-no-http",
        "referrer-policy-private", "referrer-policy-not-implemented",
        "hsts-implemented-max-age-at-least-six-months", "hsts-preloaded",
        "sri-implemented-and-all-scripts-loaded-securely", "sri-implemented-and-external-scripts-loaded-securely",
        "sri-not-implemented-response-not-html", "sri-not-implemented-but-no-scripts-loaded",
        "sri-not-implemented-but-all-scripts-loaded-from-secure-origin",
        "x-content-type-options-nosniff",
        "x-frame-options-implemented-via-csp", "x-frame-options-sameorigin-or-deny", "x-frame-options-allow-from-origin",
        "corp-not-implemented", "corp-implemented-with-same-origin", "corp-implemented-with-same-site", "corp-implemented-with-cross-origin",
        "coep-not-implemented", "coep-implemented-with-require-corp", "coep-implemented-with-credentialless", "coep-implemented-with-unsafe-none",
        "coop-not-implemented", "coop-implemented-with-same-origin", "coop-implemented-with-same-origin-allow-popups",
        "coop-implemented-with-noopener-allow-popups", "coop-implemented-with-unsafe-none",
    ]

    public static func grade(_ evidence: HeaderEvidence) -> HeaderVerdict {
        let hsts = HSTSTest().run(evidence, HeaderContext(hstsPassed: false)).result
        let context = HeaderContext(hstsPassed: passing.contains(hsts))
        let results = tests.map { test in
            let (result, description) = test.run(evidence, context)
            return HeaderTestResult(name: type(of: test).name, result: result, modifier: ObservatoryScoreTable.modifier(result),
                                    pass: passing.contains(result), description: description)
        }
        let score = score(results)
        var verdict = HeaderVerdict(score: score, grade: ObservatoryGrade.letter(for: score), tests: results)
        if let response = evidence.response, !response.isHTML {
            let apiScore = self.score(results.filter { !documentOnlyTests.contains($0.name) || $0.modifier > 0 })
            verdict.apiScore = apiScore
            verdict.apiGrade = ObservatoryGrade.letter(for: apiScore)
        }
        return verdict
    }

    /// Tests whose protection only exists for documents a browser renders.
    static let documentOnlyTests: Set<String> = ["content-security-policy", "x-frame-options"]

    /// 100, plus penalties, plus bonuses if still at least 90; never below 0.
    static func score(_ results: [HeaderTestResult]) -> Int {
        let penalties = results.map(\.modifier).filter { $0 < 0 }.reduce(0, +)
        let bonuses = results.map(\.modifier).filter { $0 > 0 }.reduce(0, +)
        var score = 100 + penalties
        if score >= minimumScoreForBonus { score += bonuses }
        return max(0, score)
    }
}
