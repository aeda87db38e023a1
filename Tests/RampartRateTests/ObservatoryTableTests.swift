import Testing
@testable import RampartRate

/// One header set and the score and grade the Observatory's published algorithm gives it,
/// worked out by hand from its modifier table (see docs/scoring.md). Unless a row says
/// otherwise the site is https://api.example.com/, serves JSON with a valid certificate,
/// and plain HTTP redirects to HTTPS on the same host.
struct Row: CustomTestStringConvertible, Sendable {
    var name: String
    var headers: [(name: String, value: String)]
    var score: Int
    var grade: String
    var body = ""
    var chain: [String]? = ["http://api.example.com/", "https://api.example.com/"]
    var https = true
    var verified = true
    var redirectInvalidCertificate = false
    var corsReflectsWithCredentials = false
    var testDescription: String { name }
}

let hsts = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
let nosniff = ("X-Content-Type-Options", "nosniff")
let deny = ("X-Frame-Options", "DENY")
let cspNone = ("Content-Security-Policy", "default-src 'none'")
let cspSelf = ("Content-Security-Policy", "default-src 'self'")
let html = ("Content-Type", "text/html; charset=utf-8")

let rows: [Row] = [
    // 100 + bonuses (CSP default-src 'none' +10, XFO via frame-ancestors +5, Referrer +5, CORP +10)
    Row(name: "everything right", headers: [("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"), hsts, nosniff,
        ("Referrer-Policy", "no-referrer"), ("Cross-Origin-Resource-Policy", "same-origin")], score: 130, grade: "A+"),
    // CSP -25, HSTS -20, XCTO -5, XFO -20
    Row(name: "nothing set", headers: [], score: 30, grade: "D"),
    Row(name: "nothing set, no redirect to HTTPS", headers: [], score: 10, grade: "F", chain: ["http://api.example.com/"]),
    Row(name: "no CSP", headers: [hsts, nosniff, deny], score: 75, grade: "B"),
    Row(name: "no CSP, referrer bonus withheld below 90", headers: [hsts, nosniff, deny, ("Referrer-Policy", "no-referrer")], score: 75, grade: "B"),
    Row(name: "CSP default-src self", headers: [cspSelf, hsts, nosniff, deny], score: 105, grade: "A+"),
    Row(name: "CSP unsafe-inline script", headers: [("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'"), hsts, nosniff, deny], score: 80, grade: "B+"),
    Row(name: "CSP unsafe-eval", headers: [("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-eval'"), hsts, nosniff, deny], score: 90, grade: "A"),
    Row(name: "CSP unsafe-inline in style only", headers: [("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'"), hsts, nosniff, deny], score: 100, grade: "A+"),
    Row(name: "CSP default-src https:", headers: [("Content-Security-Policy", "default-src https:"), hsts, nosniff, deny], score: 80, grade: "B+"),
    Row(name: "short HSTS, bonus restores A+", headers: [cspNone, ("Strict-Transport-Security", "max-age=300"), nosniff, deny], score: 100, grade: "A+"),
    Row(name: "HSTS without max-age", headers: [cspNone, ("Strict-Transport-Security", "includeSubDomains"), nosniff, deny], score: 80, grade: "B+"),
    Row(name: "session cookie without Secure or HttpOnly", headers: [cspNone, hsts, nosniff, deny, ("Set-Cookie", "sessionid=abc; Path=/")], score: 70, grade: "B"),
    Row(name: "secure cookies with SameSite", headers: [cspSelf, hsts, nosniff, deny, ("Set-Cookie", "sessionid=abc; Secure; HttpOnly; SameSite=Lax")], score: 110, grade: "A+"),
    Row(name: "insecure cookie, no HSTS", headers: [cspNone, nosniff, deny, ("Set-Cookie", "prefs=1")], score: 60, grade: "C+"),
    Row(name: "anti-CSRF cookie without SameSite", headers: [cspNone, hsts, nosniff, deny, ("Set-Cookie", "csrftoken=x; Secure")], score: 80, grade: "B+"),
    Row(name: "CORS reflects origin with credentials", headers: [("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"), hsts, nosniff,
        ("Referrer-Policy", "no-referrer"), ("Cross-Origin-Resource-Policy", "same-origin")], score: 50, grade: "C", corsReflectsWithCredentials: true),
    Row(name: "CORS public", headers: [cspSelf, hsts, nosniff, deny, ("Access-Control-Allow-Origin", "*")], score: 105, grade: "A+"),
    Row(name: "redirect to another host first", headers: [cspSelf, hsts, nosniff, deny], score: 100, grade: "A+",
        chain: ["http://api.example.com/", "https://www.example.com/"]),
    Row(name: "redirect via another HTTP URL", headers: [cspNone, hsts, nosniff, deny], score: 100, grade: "A+",
        chain: ["http://api.example.com/", "http://www.example.com/", "https://www.example.com/"]),
    Row(name: "unsafe referrer policy, nothing else", headers: [("Referrer-Policy", "unsafe-url")], score: 25, grade: "D-"),
    Row(name: "invalid X-Content-Type-Options and X-Frame-Options", headers: [cspSelf, hsts, ("X-Content-Type-Options", "nosniff, nosniff"),
        ("X-Frame-Options", "ALLOWALL")], score: 75, grade: "B"),
    Row(name: "no HTTPS at all", headers: [], score: 10, grade: "F", chain: ["http://api.example.com/"], https: false),
    Row(name: "invalid certificate", headers: [cspNone, hsts, nosniff, deny], score: 60, grade: "C+", verified: false, redirectInvalidCertificate: true),
    Row(name: "invalid CORP, nothing else", headers: [("Cross-Origin-Resource-Policy", "same-origin, cross-origin")], score: 25, grade: "D-"),
    Row(name: "HTML loading a script over HTTP without SRI", headers: [html, cspSelf, hsts, nosniff, deny], score: 50, grade: "C",
        body: "<html><script src=\"http://cdn.example.net/lib.js\"></script></html>"),
    Row(name: "HTML with SRI on an HTTPS script", headers: [html, cspSelf, hsts, nosniff, deny], score: 110, grade: "A+",
        body: "<script src=\"https://cdn.example.net/lib.js\" integrity=\"sha384-abc\" crossorigin=\"anonymous\"></script>"),
    Row(name: "CSP in report-only mode only", headers: [("Content-Security-Policy-Report-Only", "default-src 'self'"), hsts, nosniff, deny], score: 75, grade: "B"),
    Row(name: "strict-dynamic without nonce", headers: [("Content-Security-Policy", "script-src 'strict-dynamic'; object-src 'none'"), hsts, nosniff, deny], score: 75, grade: "B"),
    Row(name: "nonce with strict-dynamic", headers: [("Content-Security-Policy", "script-src 'nonce-abc' 'strict-dynamic' 'unsafe-inline' https:; object-src 'none'; base-uri 'none'"),
        hsts, nosniff, deny], score: 100, grade: "A+"),
]

func evidence(for row: Row) -> HeaderEvidence {
    let url = row.https ? "https://api.example.com/" : "http://api.example.com/"
    let response = CapturedResponse(url: url, headers: row.headers, body: row.body, certificateVerified: row.verified)
    var cors = response
    cors.requestOrigin = "https://attacker.example"
    if row.corsReflectsWithCredentials {
        cors.headers += [("Access-Control-Allow-Origin", "https://attacker.example"), ("Access-Control-Allow-Credentials", "true")]
    }
    return HeaderEvidence(response: response, https: row.https ? response : nil, cors: cors,
                          httpRedirectChain: row.chain, redirectHitInvalidCertificate: row.redirectInvalidCertificate)
}

@Test(arguments: rows)
func observatoryGradesMatchTheHandWorkedTable(row: Row) {
    let verdict = HeaderGrader.grade(evidence(for: row))
    #expect(verdict.score == row.score, "\(row.name): \(verdict.tests.filter { $0.modifier != 0 }.map { "\($0.result) \($0.modifier)" })")
    #expect(verdict.grade == row.grade)
}

@Test func tableHasAtLeastTwentyRowsAndSpansTheGrades() {
    #expect(rows.count >= 20)
    #expect(Set(rows.map(\.grade)).isSuperset(of: ["A+", "A", "B+", "B", "C+", "C", "D", "D-", "F"]))
}

@Test func everyTestReportsWithTheObservatoryNames() {
    let verdict = HeaderGrader.grade(evidence(for: rows[1]))
    #expect(verdict.tests.map(\.name) == [
        "content-security-policy", "cookies", "cross-origin-resource-sharing", "redirection", "referrer-policy",
        "strict-transport-security", "subresource-integrity", "x-content-type-options", "x-frame-options",
        "cross-origin-resource-policy", "cross-origin-embedder-policy", "cross-origin-opener-policy",
    ])
    #expect(verdict.tests.first { $0.name == "strict-transport-security" }?.result == "hsts-not-implemented")
    #expect(verdict.tests.first { $0.name == "referrer-policy" }?.result == "referrer-policy-not-implemented")
    #expect(verdict.tests.allSatisfy { !$0.description.isEmpty })
}

@Test func gradeChartMatchesTheObservatory() {
    let expected: [(Int, String)] = [(135, "A+"), (100, "A+"), (99, "A"), (90, "A"), (89, "A-"), (85, "A-"), (84, "B+"), (80, "B+"),
                                     (79, "B"), (70, "B"), (69, "B-"), (65, "B-"), (64, "C+"), (60, "C+"), (59, "C"), (50, "C"),
                                     (49, "C-"), (45, "C-"), (44, "D+"), (40, "D+"), (39, "D"), (30, "D"), (29, "D-"), (25, "D-"),
                                     (24, "F"), (0, "F")]
    for (score, grade) in expected { #expect(ObservatoryGrade.letter(for: score) == grade, "\(score)") }
}

@Test func cspParserCombinesPoliciesAndRejectsDuplicates() throws {
    let combined = try ContentSecurityPolicy.parse(["script-src 'self' https://a.example", "script-src 'self'"])
    #expect(combined["script-src"] == ["'self'"], "a source counts only when every policy allows it")
    #expect(throws: ContentSecurityPolicy.Invalid.self) { try ContentSecurityPolicy.parse(["default-src 'self'; default-src 'none'"]) }
    #expect(try ContentSecurityPolicy.parse(["img-src; default-src 'self'"])["img-src"] == ["'none'"])
}

@Test func jsonAPIsAlsoGetTheAPIViewScore() {
    // Nothing set, JSON: the Observatory takes CSP -25 and XFO -20 too (30, D); the API view leaves those out (75, B).
    let verdict = HeaderGrader.grade(evidence(for: rows[1]))
    #expect((verdict.score, verdict.grade) == (30, "D"))
    #expect(verdict.apiScore == 75)
    #expect(verdict.apiGrade == "B")
    let htmlRow = rows.first { $0.name == "HTML with SRI on an HTTPS script" }!
    #expect(HeaderGrader.grade(evidence(for: htmlRow)).apiScore == nil, "HTML pages keep the Observatory score only")
}
