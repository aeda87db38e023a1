import Foundation

/// Who a request comes from, once an authenticator has accepted it.
public struct Principal: Sendable, Equatable {
    public var authenticator: String
    public var subject: String
    public var roles: Set<String>
    public var scopes: Set<String>
    /// Top-level string claims, for `authorize.claims` and `authorize.owner`.
    public var claims: [String: String]
}

/// Why authentication failed: said in the audit log, never to the client.
public struct AuthenticationFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
    init(_ reason: String) { self.reason = reason }
}
