import Foundation
import NIOConcurrencyHelpers

/// Removes secrets from everything Rampart writes: the credentials it was given or obtained
/// (tokens, passwords, API keys, client secrets), credential headers, and secret-looking JSON values.
public final class Redactor: Sendable {
    public static let mask = "[REDACTED]"
    private let secrets = NIOLockedValueBox<Set<String>>([])
    static let credentialHeaders: Set<String> = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key", "x-auth-token"]
    static let secretKeys = ["password", "passwd", "secret", "token", "api_key", "apikey", "private_key", "card_number", "cvv", "ssn"]

    public init() {}

    /// Remembers a credential so that it never appears in output. Very short values are ignored: masking "a" would mangle text.
    public func register(_ secret: String) {
        guard secret.count >= 4 else { return }
        secrets.withLockedValue { _ = $0.insert(secret) }
    }

    public func redact(_ text: String) -> String {
        var result = text
        for secret in secrets.withLockedValue({ $0 }).sorted(by: { $0.count > $1.count }) where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: Self.mask)
        }
        // "password": "…" and similar JSON members keep their first characters only.
        for key in Self.secretKeys {
            let pattern = #"("[A-Za-z_]*"# + key + #"[A-Za-z_]*"\s*:\s*")([^"]{0,4})([^"]*)(")"#
            result = result.replacingOccurrences(of: pattern, with: "$1$2…$4", options: [.regularExpression, .caseInsensitive])
        }
        return result
    }

    /// A header value as it may be written: credential headers keep only their scheme word unless they carry no known secret.
    public func redact(header name: String, value: String) -> String {
        let redacted = redact(value)
        guard Self.credentialHeaders.contains(name.lowercased()), redacted == value else { return redacted }
        // A credential header with no registered secret (a forged token, a probe) is evidence, not a secret.
        return value
    }

    /// A `curl` command that repeats the request, secrets masked.
    public func curl(_ request: OutboundRequest) -> String {
        var parts = ["curl", "-i", "-X", request.method, Self.quote(redact(request.url.absoluteString))]
        for header in request.headers {
            parts += ["-H", Self.quote("\(header.name): \(redact(header: header.name, value: header.value))")]
        }
        if let body = request.body, !body.isEmpty {
            let text = String(decoding: body, as: UTF8.self)
            parts += ["--data-raw", Self.quote(redact(text.count > 4000 ? String(text.prefix(4000)) + "…" : text))]
        }
        return parts.joined(separator: " ")
    }

    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
