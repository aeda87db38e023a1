import Foundation
import NIOHTTP1

/// Header rewriting at the proxy boundary: hop-by-hop headers removed, forwarding headers added,
/// and the response headers the gateway owns (server banners out, security headers in).
enum ForwardedHeaders {
    /// RFC 9110 §7.6.1: connection-specific headers, never forwarded.
    /// Headers only the gateway may set: who the caller is.
    static let identityHeaders = ["x-authenticated-subject", "x-authenticated-roles", "x-authenticated-by"]
    /// Headers that name the upstream's software (the same ones the scanner's technology-banner check looks for).
    static let bannerHeaders = ["server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version", "x-runtime", "x-generator"]
    static let hopByHop: Set<String> = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "proxy-authorization", "proxy-authenticate"]

    /// Removes hop-by-hop headers and those the `Connection` header names. `Transfer-Encoding` stays:
    /// NIO re-frames the (decoded) body with it.
    static func stripHopByHop(_ headers: inout HTTPHeaders) {
        // One pass to learn which are present (most messages carry at most `Connection`), then remove only those.
        var present: [String] = []
        for (name, value) in headers {
            let lowered = name.lowercased()
            if hopByHop.contains(lowered) { present.append(lowered) }
            guard lowered == "connection" else { continue }
            for token in value.split(separator: ",") {
                let named = token.trimmingSpaces.lowercased()
                if named != "transfer-encoding" && named != "close" && named != "keep-alive" { present.append(named) }
            }
        }
        for name in present { headers.remove(name: name) }
    }

    /// The request head sent upstream: the normalized path, hop-by-hop headers removed, and who asked.
    static func upstreamRequest(_ head: HTTPRequestHead, path: String, basePath: String, client: String?, tls: Bool, correlation: String,
                                principal: Principal? = nil) -> HTTPRequestHead {
        var headers = head.headers
        stripHopByHop(&headers)
        // Only the gateway says who the caller is: anything a client sent under these names is dropped.
        for name in identityHeaders { headers.remove(name: name) }
        if let principal {
            headers.add(name: "X-Authenticated-Subject", value: principal.subject)
            headers.add(name: "X-Authenticated-By", value: principal.authenticator)
            if !principal.roles.isEmpty { headers.add(name: "X-Authenticated-Roles", value: principal.roles.sorted().joined(separator: ",")) }
        }
        let host = head.headers.first(name: "host")
        if let client {
            let chain = headers["x-forwarded-for"].joined(separator: ", ")
            headers.replaceOrAdd(name: "X-Forwarded-For", value: chain.isEmpty ? client : chain + ", " + client)
            var forwarded = "for=\(client.utf8.contains(UInt8(ascii: ":")) ? "\"[\(client)]\"" : client);proto=\(tls ? "https" : "http")"
            if let host { forwarded += ";host=\"\(host)\"" }
            headers.add(name: "Forwarded", value: forwarded)
        }
        headers.replaceOrAdd(name: "X-Forwarded-Proto", value: tls ? "https" : "http")
        if let host { headers.replaceOrAdd(name: "X-Forwarded-Host", value: host) }
        headers.replaceOrAdd(name: "X-Correlation-ID", value: correlation)
        let query = head.uri.firstIndex(of: "?").map { String(head.uri[$0...]) } ?? ""
        return HTTPRequestHead(version: .http1_1, method: head.method, uri: basePath + encode(path) + query, headers: headers)
    }

    /// Percent-encodes a normalized path for the wire (its `/` are separators, nothing else is).
    static func encode(_ path: String) -> String {
        // Most paths need nothing: ASCII letters, digits and the few marks safe in a path segment.
        if path.utf8.allSatisfy(isSafe) { return path }
        return path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { segment in
            var encoded = ""
            for byte in segment {
                if isSafe(byte) { encoded.unicodeScalars.append(Unicode.Scalar(byte)) } else { encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded }
            }
            return encoded
        }.joined(separator: "/")
    }

    static func isSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: "@"),
             UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"),
             UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: "="): true
        default: false
        }
    }

    /// The response head sent to the client, in the client's HTTP version (whatever the upstream spoke).
    static func clientResponse(_ head: HTTPResponseHead, version: HTTPVersion, route: GatewayConfiguration.Route?, tls: Bool, correlation: String,
                               keepAlive: Bool) -> HTTPResponseHead {
        var headers = head.headers
        stripHopByHop(&headers)
        // HTTPHeaders matches names case-insensitively.
        for name in bannerHeaders { headers.remove(name: name) }
        for name in route?.removeHeaders ?? [] { headers.remove(name: name) }
        if !headers.contains(name: "x-content-type-options") { headers.add(name: "X-Content-Type-Options", value: "nosniff") }
        if tls && !headers.contains(name: "strict-transport-security") { headers.add(name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains") }
        for (name, value) in route?.addHeaders ?? [] { headers.replaceOrAdd(name: name, value: value) }
        headers.replaceOrAdd(name: "X-Correlation-ID", value: correlation)
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        return HTTPResponseHead(version: version, status: head.status, headers: headers)
    }
}

private extension String {
    /// Two hex digits.
    var leftPadded: String { count == 1 ? "0" + self : self }
}
