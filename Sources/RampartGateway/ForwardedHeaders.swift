import Foundation
import NIOHTTP1

/// Header rewriting at the proxy boundary: hop-by-hop headers removed, forwarding headers added,
/// and the response headers the gateway owns (server banners out, security headers in).
enum ForwardedHeaders {
    /// RFC 9110 §7.6.1: connection-specific headers, never forwarded.
    static let hopByHop: Set<String> = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "proxy-authorization", "proxy-authenticate"]

    /// Removes hop-by-hop headers and those the `Connection` header names. `Transfer-Encoding` stays:
    /// NIO re-frames the (decoded) body with it.
    static func stripHopByHop(_ headers: inout HTTPHeaders) {
        let named = headers["connection"].flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() } }
        for name in hopByHop.union(named) where name != "transfer-encoding" { headers.remove(name: name) }
    }

    /// The request head sent upstream: the normalized path, hop-by-hop headers removed, and who asked.
    static func upstreamRequest(_ head: HTTPRequestHead, path: String, basePath: String, client: String?, tls: Bool, correlation: String) -> HTTPRequestHead {
        var headers = head.headers
        stripHopByHop(&headers)
        let host = head.headers.first(name: "host")
        if let client {
            let chain = headers["x-forwarded-for"].joined(separator: ", ")
            headers.replaceOrAdd(name: "X-Forwarded-For", value: chain.isEmpty ? client : chain + ", " + client)
            var forwarded = "for=\(client.contains(":") ? "\"[\(client)]\"" : client);proto=\(tls ? "https" : "http")"
            if let host { forwarded += ";host=\"\(host)\"" }
            headers.add(name: "Forwarded", value: forwarded)
        }
        headers.replaceOrAdd(name: "X-Forwarded-Proto", value: tls ? "https" : "http")
        if let host { headers.replaceOrAdd(name: "X-Forwarded-Host", value: host) }
        headers.replaceOrAdd(name: "X-Correlation-ID", value: correlation)
        let query = head.uri.firstIndex(of: "?").map { String(head.uri[$0...]) } ?? ""
        let prefix = basePath.hasSuffix("/") ? String(basePath.dropLast()) : basePath
        return HTTPRequestHead(version: .http1_1, method: head.method, uri: prefix + encode(path) + query, headers: headers)
    }

    /// Percent-encodes a normalized path for the wire (its `/` are separators, nothing else is).
    static func encode(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ";?#%")
        return path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? String($0) }.joined(separator: "/")
    }

    /// The response head sent to the client.
    static func clientResponse(_ head: HTTPResponseHead, route: GatewayConfiguration.Route?, tls: Bool, correlation: String, keepAlive: Bool) -> HTTPResponseHead {
        var headers = head.headers
        stripHopByHop(&headers)
        for name in ["server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version"] + (route?.removeHeaders.map { $0.lowercased() } ?? []) {
            headers.remove(name: name)
        }
        if !headers.contains(name: "x-content-type-options") { headers.add(name: "X-Content-Type-Options", value: "nosniff") }
        if tls && !headers.contains(name: "strict-transport-security") { headers.add(name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains") }
        for (name, value) in route?.addHeaders ?? [] { headers.replaceOrAdd(name: name, value: value) }
        headers.replaceOrAdd(name: "X-Correlation-ID", value: correlation)
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        return HTTPResponseHead(version: head.version.minor == 0 ? .http1_0 : .http1_1, status: head.status, headers: headers)
    }
}
