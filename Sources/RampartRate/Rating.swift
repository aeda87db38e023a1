import Foundation
import RampartCore

/// The rating of one host.
public struct HostRating: Codable, Sendable {
    public var url: String
    /// Shared grade (A+…F) and score, the worse of the TLS and header parts and the API checks.
    public var grade: String
    public var score: Int
    /// Why the host could not be rated, when it could not (down, refuses TLS, timed out).
    public var error: String?
    public var tls: TLSVerdict?
    public var headers: HeaderVerdict?
    public var findings: [Finding]
}

/// Many hosts: one grade that the worst hosts pull down.
public struct PortfolioRating: Codable, Sendable {
    public var grade: String
    public var score: Int
    /// Worst first.
    public var hosts: [HostRating]

    /// Score = the mean of the worst host's score and the average, so one F host always shows;
    /// grade = that score's grade, but never more than one letter better than the worst host's.
    public init(hosts: [HostRating]) {
        let sorted = hosts.sorted { ($0.score, $0.url) < ($1.score, $1.url) }
        self.hosts = sorted
        let scores = sorted.map(\.score)
        guard let worst = scores.first else {
            score = 100
            grade = Grade.aPlus.rawValue
            return
        }
        let mean = Double(scores.reduce(0, +)) / Double(scores.count)
        score = Int(((Double(worst) + mean) / 2).rounded())
        let worstGrade = Grade(rawValue: sorted[0].grade) ?? .f
        let ceiling = Grade.allCases[max(0, Grade.allCases.firstIndex(of: worstGrade)! - 1)]
        grade = Rating.worse(ScoreModel.grade(for: score), ceiling).rawValue
    }
}

public enum Rating {
    static func rank(_ grade: Grade) -> Int { Grade.allCases.firstIndex(of: grade)! }
    static func worse(_ a: Grade, _ b: Grade) -> Grade { rank(a) >= rank(b) ? a : b }

    /// `score` moved into the band of `grade` in the shared model (A+ 97–100, A 90–96, …, F 0–59).
    static func score(_ score: Int, within grade: Grade) -> Int {
        let bands = ScoreModel.boundaries
        let index = bands.firstIndex { $0.0 == grade }!
        let low = bands[index].1
        let high = index == 0 ? 100 : bands[index - 1].1 - 1
        return min(max(score, low), high)
    }

    /// Observatory letters (A- … D+) onto the shared grades.
    static func sharedGrade(observatory letter: String) -> Grade {
        letter == "A+" ? .aPlus : Grade(rawValue: String(letter.prefix(1))) ?? .f
    }

    /// SSL Labs-style letters onto the shared grades: E, F and T (untrusted) are all F.
    static func sharedGrade(tls letter: String) -> Grade {
        Grade(rawValue: letter) ?? .f
    }
}

/// Rule metadata for what the TLS and header parts find, so every deducted point is a finding.
enum RatingRules {
    static func header(_ test: String) -> RuleMetadata {
        let (title, cwe): (String, Int) = switch test {
        case "content-security-policy": ("Content-Security-Policy missing or unsafe", 1021)
        case "cookies": ("Cookies without Secure, HttpOnly or SameSite", 614)
        case "cross-origin-resource-sharing": ("CORS grants any origin access with credentials", 942)
        case "redirection": ("Plain HTTP does not redirect to HTTPS", 319)
        case "referrer-policy": ("Unsafe or invalid Referrer-Policy", 200)
        case "strict-transport-security": ("Strict-Transport-Security missing or weak", 319)
        case "subresource-integrity": ("External scripts without integrity or over HTTP", 353)
        case "x-content-type-options": ("X-Content-Type-Options missing or invalid", 693)
        case "x-frame-options": ("Framing not restricted", 1021)
        default: ("\(test) header invalid", 693)
        }
        return RuleMetadata(
            id: "header-\(test)", title: title, severity: .low, owasp: .api8, cwe: [cwe],
            description: "The Mozilla HTTP Observatory test `\(test)` took points off this host's header grade.",
            remediation: "See the Observatory guidance for `\(test)`: https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring",
            references: ["https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring"])
    }

    /// Severity of a header result by how many points the Observatory takes for it.
    static func severity(forModifier modifier: Int) -> Severity {
        modifier <= -40 ? .high : modifier <= -20 ? .medium : .low
    }

    static let legacyProtocol = RuleMetadata(
        id: "tls-legacy-protocol", title: "TLS 1.0 or 1.1 accepted", severity: .medium, owasp: .api8, cwe: [327],
        description: "The host still accepts TLS 1.0 or 1.1, deprecated by RFC 8996, with weak hashing and no modern AEAD ciphers.",
        remediation: "Accept TLS 1.2 and 1.3 only.", references: ["https://www.rfc-editor.org/rfc/rfc8996"])
    static let noForwardSecrecy = RuleMetadata(
        id: "tls-no-forward-secrecy", title: "Cipher suites without forward secrecy", severity: .medium, owasp: .api8, cwe: [327],
        description: "The host accepts RSA key-exchange suites: whoever obtains the private key later can decrypt recorded traffic.",
        remediation: "Offer only ECDHE (or DHE) suites for TLS 1.2, and TLS 1.3.")
    static let noTLS = RuleMetadata(
        id: "tls-unavailable", title: "HTTPS not available", severity: .high, owasp: .api8, cwe: [319],
        description: "The host does not complete a TLS handshake, so credentials and data travel in clear text.",
        remediation: "Serve the API over HTTPS only.")

    static func certificate(_ problem: CertificateReport.Problem) -> RuleMetadata {
        let (title, severity, cwe, fix): (String, Severity, Int, String) = switch problem {
        case .expired: ("Certificate expired", .high, 298, "Renew the certificate and automate renewal.")
        case .notYetValid: ("Certificate not yet valid", .high, 298, "Check the certificate's validity dates and the server clock.")
        case .selfSigned: ("Self-signed certificate", .high, 295, "Use a certificate from a publicly trusted CA (or your private CA for internal hosts, with --ca-file).")
        case .untrusted: ("Certificate not trusted", .high, 295, "Use a certificate that chains to a trusted root.")
        case .nameMismatch: ("Certificate does not match the host name", .high, 297, "Issue the certificate for every name the API is reached by.")
        case .weakKey: ("Weak certificate key", .medium, 326, "Use RSA 2048+ or ECDSA P-256+ keys.")
        case .weakSignature: ("Certificate signed with SHA-1 or MD5", .high, 328, "Reissue the certificate with a SHA-256 signature.")
        case .chainIncomplete: ("Certificate issuer not presented and not trusted", .high, 295,
                                "Serve the intermediate certificates with the leaf; if the issuer is a private CA, clients need it (rampart: --ca-file).")
        }
        return RuleMetadata(id: "certificate-\(problem.rawValue)", title: title, severity: severity, owasp: .api8, cwe: [cwe],
                            description: "\(title): clients that validate certificates refuse the connection, and clients that do not cannot tell the real host from an impostor.",
                            remediation: fix)
    }

    /// Every rule `rampart rate` can report, for SARIF and JUnit.
    static var all: [RuleMetadata] {
        ["content-security-policy", "cookies", "cross-origin-resource-sharing", "redirection", "referrer-policy", "strict-transport-security",
         "subresource-integrity", "x-content-type-options", "x-frame-options", "cross-origin-resource-policy"].map(header)
            + [legacyProtocol, noForwardSecrecy, noTLS] + CertificateReport.Problem.allCases.map(certificate)
            + HostChecks.all.map { type(of: $0).metadata }
    }
}
