import Foundation
import NIOConcurrencyHelpers

/// Removes secrets from everything Rampart writes: the credentials it was given or obtained
/// (tokens, passwords, API keys, client secrets), credential headers, and secret-looking JSON values.
public final class Redactor: Sendable {
    public static let mask = "[REDACTED]"
    private let secrets = NIOLockedValueBox<Set<String>>([])
    static let credentialHeaders: Set<String> = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key", "x-auth-token"]
    static let secretKeys = ["password", "passwd", "secret", "token", "api_key", "apikey", "private_key", "card_number", "cvv", "ssn"]
    /// Query parameters whose values are credentials whoever sent them (OAuth codes, signed-URL signatures, tokens):
    /// masked in every URL written, registered or not.
    static let credentialParameters: Set<String> = [
        "access_token", "id_token", "refresh_token", "token", "jwt", "auth", "authorization", "api_key", "apikey", "key", "code", "sig",
        "signature", "x-amz-signature", "password", "passwd", "secret", "client_secret", "session", "sessionid", "session_id", "sid",
    ]
    /// JSON members of an answer whose string values are credentials the target handed out.
    static let credentialMembers = ["token", "session", "jwt", "secret", "password", "api_key", "apikey"]

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

    /// Remembers the credentials an answer hands out (the values of the cookies it sets, token-like JSON members),
    /// so that no report shows a live session the scan obtained, whichever request obtained it.
    public func learn(from response: ReceivedResponse) {
        for cookie in response.headers(named: "Set-Cookie") {
            let pair = cookie.prefix { $0 != ";" }
            if let equals = pair.firstIndex(of: "=") { register(pair[pair.index(after: equals)...].trimmingCharacters(in: .whitespaces)) }
        }
        guard response.body.count <= 1 << 20, response.body.contains(UInt8(ascii: "{")), let json = response.json else { return }
        learn(json, depth: 0)
    }

    private func learn(_ json: Any, depth: Int) {
        guard depth < 8 else { return }
        if let object = json as? [String: Any] {
            for (key, value) in object {
                if let text = value as? String {
                    let name = key.lowercased()
                    if text.count >= 8, Self.credentialMembers.contains(where: { name.contains($0) }) { register(text) }
                } else {
                    learn(value, depth: depth + 1)
                }
            }
        } else if let array = json as? [Any] {
            for item in array.prefix(100) { learn(item, depth: depth + 1) }
        }
    }

    /// A URL as it may be written: registered secrets masked, and the value of every credential-named query parameter.
    /// (Rewritten as text: URLComponents traps on a query it finds malformed, and a scan sends malformed queries.)
    public func redact(url: URL) -> String {
        let text = redact(url.absoluteString)
        guard let question = text.firstIndex(of: "?") else { return text }
        let fragment = text[question...].firstIndex(of: "#") ?? text.endIndex
        let query = text[text.index(after: question)..<fragment].split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            guard let equals = pair.firstIndex(of: "="), equals < pair.index(before: pair.endIndex) else { return String(pair) }
            let name = String(pair[..<equals])
            guard Self.credentialParameters.contains((name.removingPercentEncoding ?? name).lowercased()) else { return String(pair) }
            return name + "=%5BREDACTED%5D"
        }
        return text[...question] + query.joined(separator: "&") + text[fragment...]
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
        var parts = ["curl", "-i", "-X", request.method, Self.quote(redact(url: request.url))]
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
