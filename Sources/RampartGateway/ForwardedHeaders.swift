import NIOHTTP1

/// Header rewriting at the proxy boundary: hop-by-hop headers removed, forwarding headers added,
/// and the response headers the gateway owns (server banners out, security headers in).
enum ForwardedHeaders {
    /// Headers only the gateway may set: who the caller is.
    static let identityHeaders = ["x-authenticated-subject", "x-authenticated-roles", "x-authenticated-by"]
    /// Headers that name the upstream's software (the same ones the scanner's technology-banner check looks for).
    static let bannerHeaders = ["server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version", "x-runtime", "x-generator"]
    /// RFC 9110 §7.6.1: connection-specific headers, never forwarded.
    static let hopByHop = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "proxy-authorization", "proxy-authenticate"]
    /// What no request keeps on its way upstream: the forwarding headers are the gateway's to write.
    static let requestDropped = HeaderNames(hopByHop + identityHeaders + ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-correlation-id"])
    /// What no answer keeps on its way to the client: the gateway owns CORS and the correlation id, and names no software.
    static let responseDropped = HeaderNames(hopByHop + bannerHeaders + CORS.upstreamHeaders + ["x-correlation-id"])

    /// The request head sent upstream: the normalized path, hop-by-hop headers removed (those the `Connection`
    /// header names too), and who asked.
    static func upstreamRequest(_ head: RequestHead, path: String, basePath: String, client: ForwardedClient?, tls: Bool, correlation: String,
                                principal: Principal? = nil, reusing spare: inout [(String, String)]) -> UpstreamRequestHead {
        var headers = HeaderRewrite(head.headers, dropping: requestDropped, reusing: &spare)
        headers.drop(head.connection.named)
        // Only the gateway says who the caller is: anything a client sent under those names is dropped.
        if let principal {
            headers.add("X-Authenticated-Subject", principal.subject)
            headers.add("X-Authenticated-By", principal.authenticator)
            if !principal.roles.isEmpty { headers.add("X-Authenticated-Roles", principal.roles.sorted().joined(separator: ",")) }
        }
        let host = head.headers.first(name: "host")
        if let client {
            let chain = head.headers.contains(name: "x-forwarded-for") ? head.headers[name: "x-forwarded-for"].joined(separator: ", ") : ""
            headers.add("X-Forwarded-For", chain.isEmpty ? client.address : chain + ", " + client.address)
            headers.add("Forwarded", client.forwarded(host: host))
        }
        headers.add("X-Forwarded-Proto", tls ? "https" : "http")
        if let host { headers.add("X-Forwarded-Host", host) }
        headers.add("X-Correlation-ID", correlation)
        let target = encode(path)
        guard let query = head.uri.utf8.firstIndex(of: UInt8(ascii: "?")) else {
            return UpstreamRequestHead(method: head.method, uri: basePath.isEmpty ? target : basePath + target, headers: headers)
        }
        return UpstreamRequestHead(method: head.method, uri: basePath + target + head.uri[query...], headers: headers)
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

    /// Rewrites the upstream's response headers (`headers`, which already leave out `responseDropped`) for the client:
    /// without hop-by-hop headers and software banners, with the security headers the upstream forgot and the route's own.
    /// (In place: a rewrite returned by value was copied, at a reference count per field.)
    static func rewriteResponse(_ headers: inout HeaderRewrite, _ head: RawResponseHead, version: HTTPVersion, route: GatewayConfiguration.Route?, tls: Bool,
                                correlation: String, keepAlive: Bool) {
        headers.drop(head.connection.named)
        if let route, !route.removeHeaders.isEmpty { headers.drop(route.removeHeaders) }
        if !headers.contains("x-content-type-options") { headers.add("X-Content-Type-Options", "nosniff") }
        if tls && !headers.contains("strict-transport-security") { headers.add("Strict-Transport-Security", "max-age=31536000; includeSubDomains") }
        for (name, value) in route?.addHeaders ?? [] { headers.replace(name, value) }
        headers.add("X-Correlation-ID", correlation)
        if !keepAlive {
            headers.add("Connection", "close")
        } else if version.minor == 0 {
            // HTTP/1.0 closes after each answer unless told otherwise.
            headers.add("Connection", "keep-alive")
        }
    }
}

/// Who a connection comes from, as the forwarding headers say it: worked out once per connection, and its
/// `Forwarded` value again only when a request names another host than the one before.
final class ForwardedClient {
    let address: String
    /// The start of its `Forwarded` element (RFC 7239: an IPv6 address is quoted and bracketed).
    private let element: String
    private var last: (host: String?, value: String)?

    init(address: String, tls: Bool) {
        self.address = address
        element = "for=" + (address.utf8.contains(UInt8(ascii: ":")) ? "\"[" + address + "]\"" : address) + (tls ? ";proto=https" : ";proto=http")
    }

    func forwarded(host: String?) -> String {
        if let last, last.host == host { return last.value }
        let value = host.map { element + ";host=\"" + $0 + "\"" } ?? element
        last = (host, value)
        return value
    }
}

/// A request as it is sent upstream.
struct UpstreamRequestHead {
    var method: HTTPMethod
    var uri: String
    var headers: HeaderRewrite
    /// How its body is sent: chunked when the client's was (the headers say so then), else as it is.
    var framing = OutgoingFraming.plain
}

private extension String {
    /// Two hex digits.
    var leftPadded: String { count == 1 ? "0" + self : self }
}
