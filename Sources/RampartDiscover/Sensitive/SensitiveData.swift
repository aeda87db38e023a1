import Foundation

/// Kinds of sensitive data recognised in traffic. Values are classified and counted, never kept or printed.
public enum SensitiveKind: String, CaseIterable, Codable, Sendable, Comparable {
    case password, secret, apiKey = "api-key", jwt, cardNumber = "card-number", iban, nationalID = "national-id", email, phone

    public static func < (lhs: SensitiveKind, rhs: SensitiveKind) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Credentials, as opposed to personal data.
    var isCredential: Bool { [.password, .secret, .apiKey, .jwt].contains(self) }

    /// The label with its article: "an API key", "a JWT".
    var withArticle: String { ([.apiKey, .iban, .email].contains(self) ? "an " : "a ") + label }

    var label: String {
        switch self {
        case .password: "password"
        case .secret: "secret"
        case .apiKey: "API key"
        case .jwt: "JWT"
        case .cardNumber: "payment card number"
        case .iban: "IBAN"
        case .nationalID: "national id (US SSN)"
        case .email: "e-mail address"
        case .phone: "phone number"
        }
    }
}

/// Recognises sensitive values by shape (with checksums where the format has one) and by the name they travel under.
enum SensitiveData {
    /// The kind of a value sent under `name` (a parameter, header or JSON property), if it is sensitive.
    static func classify(name: String, value: String) -> SensitiveKind? {
        guard !value.isEmpty else { return nil }
        let meaning = NameMeaning.of(name)
        if meaning == .password { return .password }
        if let kind = classify(value) { return kind }
        if meaning == .secret && value.utf8.count >= 12 && entropy(value) >= 3.0 { return .secret }
        return nil
    }

    /// What a parameter or property name says its value is.
    enum NameMeaning {
        case password, secret, other

        static func of(_ name: String) -> NameMeaning {
            // Most names are short plain words: skip the normalising for the ones that cannot match.
            guard name.utf8.count >= 3 else { return .other }
            let key = name.lowercased().filter { $0.isLetter }
            if ["password", "passwd", "pwd", "pass", "newpassword", "oldpassword", "currentpassword"].contains(key) { return .password }
            return secretNames.contains(where: key.hasSuffix) ? .secret : .other
        }
    }

    private static let secretNames = ["secret", "token", "apikey", "privatekey", "accesskey", "clientsecret", "credential"]

    /// The kind of a value by its shape alone.
    static func classify(_ value: String) -> SensitiveKind? {
        // Every kind below is at least six characters of digits, letters and a few separators.
        guard value.utf8.count >= 6, value.utf8.count <= 4096 else { return nil }
        let trimmed = value.trimmingPrefix(" ")
        if isJWT(trimmed) { return .jwt }
        if apiKeyPrefixes.contains(where: { trimmed.hasPrefix($0) }) && trimmed.count >= 20 && !trimmed.contains(" ") { return .apiKey }
        if isCardNumber(trimmed) { return .cardNumber }
        if isIBAN(trimmed) { return .iban }
        if isSSN(trimmed) { return .nationalID }
        if isEmail(trimmed) { return .email }
        if isPhone(trimmed) { return .phone }
        return nil
    }

    /// Prefixes providers give their keys so that scanners can find them.
    private static let apiKeyPrefixes = ["sk_live_", "sk_test_", "rk_live_", "pk_live_", "AKIA", "ASIA", "ghp_", "gho_", "ghs_", "github_pat_",
                                         "xoxb-", "xoxp-", "xoxa-", "AIza", "glpat-", "SG.", "key-", "sq0atp-", "shpat_", "npm_"]

    static func isJWT(_ value: Substring) -> Bool {
        guard value.hasPrefix("eyJ") else { return false }
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[1].hasPrefix("eyJ") && parts.allSatisfy { $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "=" } }
    }

    /// 13 to 19 digits (spaces and dashes allowed) that pass the Luhn check, with a known network's first digit.
    static func isCardNumber(_ value: Substring) -> Bool {
        guard value.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == " " || $0 == "-") }) else { return false }
        let digits = value.compactMap(\.wholeNumberValue)
        guard (13...19).contains(digits.count), [2, 3, 4, 5, 6].contains(digits[0]), Set(digits).count >= 2 else { return false }
        var sum = 0
        for (index, digit) in digits.reversed().enumerated() {
            let value = index % 2 == 1 ? digit * 2 : digit
            sum += value > 9 ? value - 9 : value
        }
        return sum % 10 == 0
    }

    /// Country code, two check digits and up to 30 letters or digits, valid by ISO 13616's mod-97 check.
    static func isIBAN(_ value: Substring) -> Bool {
        let compact = value.filter { $0 != " " }.uppercased()
        let bytes = Array(compact.utf8)
        guard (15...34).contains(bytes.count), bytes[0...1].allSatisfy({ $0 >= 65 && $0 <= 90 }), bytes[2...3].allSatisfy({ $0 >= 48 && $0 <= 57 }),
              bytes.allSatisfy({ ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) }) else { return false }
        var remainder = 0
        for byte in bytes[4...] + bytes[..<4] {
            if byte >= 65 {
                remainder = (remainder * 100 + Int(byte) - 55) % 97
            } else {
                remainder = (remainder * 10 + Int(byte) - 48) % 97
            }
        }
        return remainder == 1
    }

    /// `123-45-6789`, without the ranges the SSA never issues (000, 666 and 9xx areas, 00 groups, 0000 serials).
    static func isSSN(_ value: Substring) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.map(\.count) == [3, 2, 4], parts.allSatisfy({ $0.allSatisfy(\.isNumber) }),
              let area = Int(parts[0]), let group = Int(parts[1]), let serial = Int(parts[2]) else { return false }
        return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
    }

    static func isEmail(_ value: Substring) -> Bool {
        guard let at = value.firstIndex(of: "@"), at != value.startIndex, !value.contains(" ") else { return false }
        let domain = value[value.index(after: at)...]
        guard let dot = domain.lastIndex(of: "."), dot != domain.startIndex else { return false }
        let top = domain[domain.index(after: dot)...]
        return top.count >= 2 && top.allSatisfy(\.isLetter) && !domain.contains("@")
    }

    /// International (`+` and 8 to 15 digits) or North American (`(555) 123-4567`, `555-123-4567`) numbers.
    static func isPhone(_ value: Substring) -> Bool {
        guard value.allSatisfy({ $0.isASCII && ($0.isNumber || " +-().".contains($0)) }) else { return false }
        let digits = value.filter(\.isNumber).count
        if value.hasPrefix("+") { return (8...15).contains(digits) && !value.dropFirst().contains("+") }
        let separators = value.filter { " -().".contains($0) }.count
        return digits == 10 && separators >= 2
    }

    /// Shannon entropy in bits per character.
    static func entropy(_ value: String) -> Double {
        var counts: [Character: Int] = [:]
        for character in value { counts[character, default: 0] += 1 }
        let total = Double(value.count)
        return counts.values.reduce(0) { sum, count in
            let p = Double(count) / total
            return sum - p * log2(p)
        }
    }
}

/// The classifier, for other modules that must redact what they write (the gateway's traffic records).
public enum SensitiveValues {
    /// Whether a value sent under `name` is a credential or sensitive personal data.
    public static func isSensitive(name: String, value: String) -> Bool {
        SensitiveData.classify(name: name, value: value) != nil
    }

    /// Headers that carry credentials, whatever their value looks like (lower case).
    public static let credentialHeaders: Set<String> = AuthScheme.apiKeyHeaders.union(["authorization", "proxy-authorization", "cookie", "set-cookie"])

    /// Whether a query parameter's name says it carries a credential (`api_key`, `token`, `password`, `client_secret`,
    /// an OAuth `code`, a signed URL's `sig`…).
    public static func isCredentialParameter(_ name: String) -> Bool {
        AuthScheme.isAPIKeyParameter(name) || SensitiveData.NameMeaning.of(name) != .other || oneTimeCredentials.contains(name.lowercased())
    }

    /// Query parameters that are credentials for a moment or for a URL: OAuth codes, signatures, session ids in URLs.
    static let oneTimeCredentials: Set<String> = [
        "code", "sig", "signature", "x-amz-signature", "x-amz-credential", "x-amz-security-token", "x-goog-signature", "x-goog-credential",
        "session", "sessionid", "session_id", "sid", "jsessionid", "phpsessid", "otp", "ticket",
    ]

    /// Whether a header's name says it carries a credential: the standard ones, and custom session or token headers
    /// (`X-Session-Token`, `X-CSRF-Token`, `X-Auth`, `X-My-App-Key`).
    public static func isCredentialHeader(_ name: String) -> Bool {
        let lower = name.lowercased()
        return credentialHeaders.contains(lower) || ["session", "token", "auth", "secret", "key", "csrf", "xsrf", "signature", "password", "jwt"].contains {
            lower.contains($0)
        }
    }
}
