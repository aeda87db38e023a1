/// The Mozilla HTTP Observatory's published score modifiers, by result name.
///
/// Source: the MDN HTTP Observatory's score table (`src/grader/charts.js` in
/// github.com/mdn/mdn-http-observatory) and its "Tests & Scoring" page; see `docs/scoring.md`.
/// COEP and COOP results carry no modifier in that table, so they score 0 here.
enum ObservatoryScoreTable {
    static let modifiers: [String: Int] = [
        // Content Security Policy
        "csp-implemented-with-no-unsafe-default-src-none": 10,
        "csp-implemented-with-no-unsafe": 5,
        "csp-implemented-with-unsafe-inline-in-style-src-only": 0,
        "csp-implemented-with-insecure-scheme-in-passive-content-only": -10,
        "csp-implemented-with-unsafe-eval": -10,
        "csp-implemented-with-unsafe-inline": -20,
        "csp-implemented-with-insecure-scheme": -20,
        "csp-header-invalid": -25,
        "csp-not-implemented": -25,
        // Cookies
        "cookies-secure-with-httponly-sessions-and-samesite": 5,
        "cookies-secure-with-httponly-sessions": 0,
        "cookies-not-found": 0,
        "cookies-without-secure-flag-but-protected-by-hsts": -5,
        "cookies-session-without-secure-flag-but-protected-by-hsts": -10,
        "cookies-without-secure-flag": -20,
        "cookies-samesite-flag-invalid": -20,
        "cookies-anticsrf-without-samesite-flag": -20,
        "cookies-session-without-httponly-flag": -30,
        "cookies-session-without-secure-flag": -40,
        // Cross-origin resource sharing
        "cross-origin-resource-sharing-not-implemented": 0,
        "cross-origin-resource-sharing-implemented-with-public-access": 0,
        "cross-origin-resource-sharing-implemented-with-restricted-access": 0,
        "cross-origin-resource-sharing-implemented-with-universal-access": -50,
        // Redirection
        "redirection-all-redirects-preloaded": 0,
        "redirection-to-https": 0,
        "redirection-not-needed-no-http": 0,
        "redirection-off-host-from-http": -5,
        "redirection-not-to-https-on-initial-redirection": -10,
        "redirection-not-to-https": -20,
        "redirection-missing": -20,
        "redirection-invalid-cert": -20,
        // Referrer-Policy
        "referrer-policy-private": 5,
        "referrer-policy-not-implemented": 0,
        "referrer-policy-unsafe": -5,
        "referrer-policy-header-invalid": -5,
        // Strict-Transport-Security
        "hsts-preloaded": 5,
        "hsts-implemented-max-age-at-least-six-months": 0,
        "hsts-implemented-max-age-less-than-six-months": -10,
        "hsts-not-implemented": -20,
        "hsts-header-invalid": -20,
        "hsts-not-implemented-no-https": -20,
        "hsts-invalid-cert": -20,
        // Subresource integrity
        "sri-implemented-and-all-scripts-loaded-securely": 5,
        "sri-implemented-and-external-scripts-loaded-securely": 5,
        "sri-not-implemented-response-not-html": 0,
        "sri-not-implemented-but-no-scripts-loaded": 0,
        "sri-not-implemented-but-all-scripts-loaded-from-secure-origin": 0,
        "sri-not-implemented-but-external-scripts-loaded-securely": -5,
        "sri-implemented-but-external-scripts-not-loaded-securely": -20,
        "sri-not-implemented-and-external-scripts-not-loaded-securely": -50,
        // X-Content-Type-Options
        "x-content-type-options-nosniff": 0,
        "x-content-type-options-not-implemented": -5,
        "x-content-type-options-header-invalid": -5,
        // X-Frame-Options
        "x-frame-options-implemented-via-csp": 5,
        "x-frame-options-sameorigin-or-deny": 0,
        "x-frame-options-allow-from-origin": 0,
        "x-frame-options-not-implemented": -20,
        "x-frame-options-header-invalid": -20,
        // Cross-Origin-Resource-Policy
        "corp-implemented-with-same-origin": 10,
        "corp-implemented-with-same-site": 10,
        "corp-implemented-with-cross-origin": 0,
        "corp-not-implemented": 0,
        "corp-header-invalid": -5,
    ]

    static func modifier(_ result: String) -> Int { modifiers[result] ?? 0 }
}
