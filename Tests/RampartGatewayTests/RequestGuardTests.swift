import NIOHTTP1
import RampartGateway
import Testing

private func head(_ method: HTTPMethod = .POST, _ uri: String = "/api", version: HTTPVersion = .http1_1, _ headers: [(String, String)] = []) -> HTTPRequestHead {
    HTTPRequestHead(version: version, method: method, uri: uri, headers: HTTPHeaders([("Host", "api.example")] + headers))
}

@Test(arguments: [
    ([("Content-Length", "5"), ("Transfer-Encoding", "chunked")], "both Content-Length and Transfer-Encoding"),
    ([("Content-Length", "5"), ("Content-Length", "5")], "repeated or malformed Content-Length"),
    ([("Content-Length", "5, 5")], "repeated or malformed Content-Length"),
    ([("Content-Length", "+5")], "repeated or malformed Content-Length"),
    ([("Content-Length", "0x10")], "repeated or malformed Content-Length"),
    ([("Transfer-Encoding", "gzip, chunked")], "Transfer-Encoding other than a single 'chunked'"),
    ([("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "identity")], "Transfer-Encoding other than a single 'chunked'"),
    ([("Transfer-Encoding", "xchunked")], "Transfer-Encoding other than a single 'chunked'"),
    ([("X-Evil", "a\r\nX-Injected: 1")], "CR, LF or NUL in a header value"),
    ([("Bad Name", "x")], "invalid header name"),
])
func smugglingShapesAreRefused(_ headers: [(String, String)], _ reason: String) {
    #expect(RequestGuard.check(head(.POST, "/api", headers), limits: RequestLimits()) == Rejection(.badRequest, reason))
}

@Test func plainRequestsPass() {
    #expect(RequestGuard.check(head(.POST, "/api", [("Content-Length", " 12 ")]), limits: RequestLimits()) == nil)
    #expect(RequestGuard.check(head(.POST, "/api", [("Transfer-Encoding", "Chunked")]), limits: RequestLimits()) == nil)
    #expect(RequestGuard.check(head(.GET, "/x", []), limits: RequestLimits()) == nil)
    #expect(RequestGuard.check(HTTPRequestHead(version: .http1_0, method: .GET, uri: "/"), limits: RequestLimits()) == nil, "HTTP/1.0 needs no Host")
}

@Test func limitsAnswerWithTheirOwnStatus() {
    var limits = RequestLimits()
    limits.maxURILength = 10
    limits.maxHeaderCount = 3
    limits.maxBodyBytes = 100
    #expect(RequestGuard.check(head(.GET, "/" + String(repeating: "a", count: 20), []), limits: limits)?.status == .uriTooLong)
    #expect(RequestGuard.check(head(.GET, "/", [("A", "1"), ("B", "2"), ("C", "3")]), limits: limits)?.status == .requestHeaderFieldsTooLarge)
    #expect(RequestGuard.check(head(.POST, "/api", [("Content-Length", "101")]), limits: limits)?.status == .payloadTooLarge)
    #expect(RequestGuard.check(head(.TRACE, "/", []), limits: limits)?.status == .methodNotAllowed)
    #expect(RequestGuard.check(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/"), limits: limits)?.reason == "HTTP/1.1 needs exactly one Host header")
    #expect(RequestGuard.check(head(.GET, "/", version: HTTPVersion(major: 2, minor: 0), []), limits: limits)?.status == .httpVersionNotSupported)
}
