import Foundation
import RampartCore

/// One spec audit rule: metadata plus a check over the typed description.
/// Shaped like swift-certificates' `VerifierPolicy`: small, single-purpose, composed by `Auditor`.
public protocol AuditRule: Sendable {
    static var metadata: RuleMetadata { get }
    init()
    func check(_ api: APIDescription, _ hits: inout [RuleHit])
}

/// A place a rule objects to, before it becomes a `Finding`.
public struct RuleHit {
    public var cursor: Cursor
    public var message: String
    public var confidence: Confidence

    public init(cursor: Cursor, message: String, confidence: Confidence = .certain) {
        self.cursor = cursor
        self.message = message
        self.confidence = confidence
    }
}

extension Array where Element == RuleHit {
    mutating func flag(_ cursor: Cursor, _ message: String, confidence: Confidence = .certain) {
        append(RuleHit(cursor: cursor, message: message, confidence: confidence))
    }
}

/// Name matching used by several rules: `Card_Number`, `card-number` and `cardNumber` all become `cardnumber`.
func normalized(_ name: String) -> String {
    String(name.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init))
}

/// Where a request can carry arbitrary, unauthenticated data into the system.
extension APIDescription.Operation {
    /// Login, sign-up, token and password-reset endpoints are anonymous by nature.
    var isAuthenticationEndpoint: Bool {
        let words = ["login", "logon", "signin", "signup", "register", "token", "oauth", "auth", "password", "forgot", "otp", "session"]
        let lowered = normalized(path)
        return words.contains { lowered.firstRange(of: $0) != nil }
    }

    var hasInput: Bool { !parameters.isEmpty || requestBody != nil }

    func documents(_ statuses: String...) -> Bool { statuses.contains { self.statuses.contains($0) } }
}

/// The host of a server URL: scheme, user info, port and path removed; nil when it is relative or templated.
func host(of url: String) -> String? {
    guard let schemeEnd = url.range(of: "//") else { return nil }
    var rest = url[schemeEnd.upperBound...]
    if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<slash] }
    if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
    if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") { return String(rest[rest.index(after: rest.startIndex)..<close]).lowercased() }
    if let colon = rest.firstIndex(of: ":") { rest = rest[..<colon] }
    let result = rest.lowercased()
    return result.isEmpty || result.contains("{") ? nil : result
}
