/// The TLS verdict of one host, graded in the spirit of the SSL Labs rating guide
/// (documented with every number in docs/scoring.md).
public struct TLSVerdict: Codable, Hashable, Sendable {
    /// `A+`, `A`, `B`, `C`, `D`, `E`, `F`, or `T` when the certificate is not trusted.
    public var grade: String
    public var score: Int
    public var protocols: [String]
    public var ciphers: [String]
    public var forwardSecrecy: Bool
    public var certificate: CertificateReport?
    /// Why the grade is what it is, one line per cap or deduction.
    public var reasons: [String]
}

public enum TLSGrader {
    /// SSL Labs protocol scores.
    static let protocolScore = ["TLSv1.0": 90, "TLSv1.1": 95, "TLSv1.2": 100, "TLSv1.3": 100]

    /// SSL Labs key-exchange scores by equivalent RSA key strength.
    static func keyExchangeScore(type: String, bits: Int) -> Int {
        let rsaEquivalent = type == "RSA" ? bits : (type == "unknown" ? 0 : max(3072, bits * 12))
        switch rsaEquivalent {
        case ..<512: return 20
        case ..<1024: return 40
        case ..<2048: return 80
        case ..<4096: return 90
        default: return 100
        }
    }

    /// SSL Labs cipher-strength scores by symmetric key bits.
    static func cipherScore(bits: Int) -> Int {
        switch bits {
        case 0: 0
        case ..<128: 20
        case ..<256: 80
        default: 100
        }
    }

    static func letter(_ score: Int) -> String {
        switch score {
        case 80...: "A"
        case 65...: "B"
        case 50...: "C"
        case 35...: "D"
        case 20...: "E"
        default: "F"
        }
    }

    static let order = ["A+", "A", "B", "C", "D", "E", "F", "T"]

    /// The worse of two letters (T, trust problems, is worst).
    static func cap(_ grade: String, at limit: String) -> String {
        (order.firstIndex(of: grade) ?? 0) >= (order.firstIndex(of: limit) ?? 0) ? grade : limit
    }

    /// - Parameter strongHSTS: the host sends HSTS for at least six months (needed for A+).
    public static func grade(_ findings: TLSFindings, strongHSTS: Bool) -> TLSVerdict {
        var reasons: [String] = []
        let protocolScores = findings.protocols.compactMap { protocolScore[$0] }
        let protocolPart = protocolScores.isEmpty ? 0 : (protocolScores.max()! + protocolScores.min()!) / 2
        let certificate = findings.certificate
        let keyPart = keyExchangeScore(type: certificate?.keyType ?? "unknown", bits: certificate?.keyBits ?? 0)
        // TLS 1.3 suites are 128- or 256-bit AEADs; count them as the strongest the server offers.
        var cipherBits = findings.ciphers.compactMap { TLSProber.suite(named: $0)?.bits }
        if findings.protocols.contains("TLSv1.3") { cipherBits += [256, 128] }
        let cipherPart = cipherBits.isEmpty ? 0 : (cipherScore(bits: cipherBits.max()!) + cipherScore(bits: cipherBits.min()!)) / 2
        let score = Int((0.3 * Double(protocolPart) + 0.3 * Double(keyPart) + 0.4 * Double(cipherPart)).rounded())
        var grade = letter(score)
        reasons.append("protocol \(protocolPart) × 0.3 + key exchange \(keyPart) × 0.3 + cipher strength \(cipherPart) × 0.4 = \(score)")

        let forwardSecrecy = findings.ciphers.allSatisfy { TLSProber.suite(named: $0)?.forwardSecret ?? true }
        if findings.protocols.contains("TLSv1.0") || findings.protocols.contains("TLSv1.1") {
            grade = cap(grade, at: "B"); reasons.append("TLS 1.0/1.1 accepted: capped at B")
        }
        if !findings.protocols.contains("TLSv1.2") && !findings.protocols.contains("TLSv1.3") {
            grade = cap(grade, at: "C"); reasons.append("neither TLS 1.2 nor 1.3: capped at C")
        }
        if !forwardSecrecy { grade = cap(grade, at: "B"); reasons.append("cipher suites without forward secrecy accepted: capped at B") }
        if let certificate {
            if certificate.problems.contains(.weakKey) { grade = cap(grade, at: "B"); reasons.append("\(certificate.keyType) \(certificate.keyBits)-bit key: capped at B") }
            if let limitation = certificate.limitation { reasons.append(limitation) }
            let trustProblems: [CertificateReport.Problem] = [.expired, .notYetValid, .selfSigned, .untrusted, .nameMismatch, .chainIncomplete, .weakSignature]
            let found = certificate.problems.filter(trustProblems.contains)
            if !found.isEmpty {
                grade = "T"
                reasons.append("certificate not trusted (\(found.map(\.rawValue).joined(separator: ", "))): T")
            }
        }
        if grade == "A", strongHSTS, !findings.protocols.contains("TLSv1.0"), !findings.protocols.contains("TLSv1.1"), forwardSecrecy {
            grade = "A+"
            reasons.append("HSTS for at least six months, modern protocols and forward secrecy only: A+")
        }
        return TLSVerdict(grade: grade, score: score, protocols: findings.protocols, ciphers: findings.ciphers,
                          forwardSecrecy: forwardSecrecy, certificate: certificate, reasons: reasons)
    }
}
