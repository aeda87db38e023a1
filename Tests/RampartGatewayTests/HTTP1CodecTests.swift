import NIOCore
import NIOHTTP1
@testable import RampartGateway
import RampartTestSupport
import Testing

/// The gateway's own HTTP/1.1 reading: what it accepts, what it refuses, and that neither depends on how
/// the bytes were split across reads.
@Suite struct HTTP1CodecTests {
    /// Every part a decoder yields for `text` fed in pieces of `step` bytes, or the error it stopped at.
    static func decodeRequests(_ text: String, step: Int = .max, limits: RequestLimits = RequestLimits()) -> (parts: [String], error: HTTP1Error?) {
        var decoder = RequestDecoder()
        var parts: [String] = []
        let bytes = Array(text.utf8)
        var offset = 0
        repeat {
            let end = min(bytes.count, offset + max(step, 1))
            decoder.receive(ByteBuffer(bytes: bytes[offset..<end]))
            offset = end
            do {
                while let part = try decoder.next(limits: limits) {
                    switch part {
                    case .head(let head): parts.append("head \(head.method.rawValue) \(head.uri) \(head.headers.text.map { "\($0.name)=\($0.value)" }.joined(separator: ","))")
                    case .body(let body): parts.append("body " + String(buffer: body))
                    case .end: parts.append("end")
                    }
                }
            } catch {
                return (parts, error)
            }
        } while offset < bytes.count
        return (joinBodies(parts), nil)
    }

    /// Body pieces joined, so results compare across read sizes.
    static func joinBodies(_ parts: [String]) -> [String] {
        parts.reduce(into: []) { joined, part in
            if part.hasPrefix("body "), let last = joined.last, last.hasPrefix("body ") {
                joined[joined.count - 1] = last + part.dropFirst(5)
            } else {
                joined.append(part)
            }
        }
    }

    static let pipelined = "GET /a?x=1 HTTP/1.1\r\nHost: h\r\nX-Two:  spaced value \t\r\n\r\n"
        + "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
        + "\r\nPOST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nwiki\r\n5\r\npedia\r\n0\r\nX-Trailer: t\r\n\r\n"

    @Test func requestsDecodeTheSameHoweverTheBytesAreSplit() {
        let whole = Self.decodeRequests(Self.pipelined)
        #expect(whole.error == nil)
        #expect(whole.parts == ["head GET /a?x=1 Host=h,X-Two=spaced value", "end",
                                "head POST /b Host=h,Content-Length=5", "body hello", "end",
                                "head POST /c Host=h,Transfer-Encoding=chunked", "body wikipedia", "end"])
        for step in 1...17 {
            let split = Self.decodeRequests(Self.pipelined, step: step)
            #expect(split.parts == whole.parts && split.error == nil, "read \(step) bytes at a time")
        }
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\nHost: a\r\n\r\n", "LF without CR in the head"),
        ("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", "CR without LF in the head"),
        ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", "whitespace before a header's colon"),
        ("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", "obsolete line folding"),
        ("GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", "invalid header name"),
        ("GET / HTTP/1.1\r\nHost: a\u{01}b\r\n\r\n", "control character in a header value"),
        ("GET / HTTP/1.1\r\nHost a\r\n\r\n", "header line without a colon"),
        ("GET /  HTTP/1.1\r\nHost: a\r\n\r\n", "malformed request target"),
        ("GET /caf\u{e9} HTTP/1.1\r\nHost: a\r\n\r\n", "malformed request target"),
        ("GET / HTTP/1.1x\r\nHost: a\r\n\r\n", "malformed HTTP version"),
        ("GET\r\nHost: a\r\n\r\n", "malformed request line"),
        ("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", "malformed method"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "both Content-Length and Transfer-Encoding"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n", "repeated or malformed Content-Length"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\n", "repeated or malformed Content-Length"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", "repeated or malformed Content-Length"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", "Transfer-Encoding other than a single 'chunked'"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", "Transfer-Encoding other than a single 'chunked'"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", "malformed chunk size"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n", "chunk size too large"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n", "chunk not followed by CRLF"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;x=\u{01}\r\nabc\r\n0\r\n\r\n", "control character in a chunk extension"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", "LF without CR in a chunked body"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n", "header line without a colon"),
    ])
    func ambiguousOrMalformedRequestsAreRefused(_ request: String, _ reason: String) {
        for step in [1, 7, Int.max] {
            let result = Self.decodeRequests(request, step: step)
            #expect(result.error?.reason == reason, "\(request.debugDescription) in pieces of \(step): \(String(describing: result.error))")
        }
    }

    /// Header values are checked eight bytes at a time: a control character anywhere in a long value is still found,
    /// and tabs and obs-text still pass.
    @Test func aControlCharacterAnywhereInALongValueIsRefused() {
        let value = Array("a value long enough for several words".utf8)
        let controls = (UInt8(0)..<0x20).filter { $0 != 0x09 } + [0x7F]
        for position in value.indices {
            for control in controls {
                var bytes = Array("GET / HTTP/1.1\r\nHost: a\r\nX-Long: ".utf8) + value
                bytes[bytes.count - value.count + position] = control
                bytes += Array("\r\n\r\n".utf8)
                let text = String(decoding: bytes, as: UTF8.self)
                guard control != 0x0A && control != 0x0D else { continue }   // those end lines: other errors
                #expect(Self.decodeRequests(text).error?.reason == "control character in a header value", "byte \(control) at \(position)")
            }
            for allowed: UInt8 in [0x09, 0x80, 0xFF] {
                var bytes = Array("GET / HTTP/1.1\r\nHost: a\r\nX-Long: ".utf8) + value + Array("\r\n\r\n".utf8)
                bytes[bytes.count - 4 - value.count + position] = allowed
                var decoder = RequestDecoder()
                decoder.receive(ByteBuffer(bytes: bytes))
                #expect((try? decoder.next(limits: RequestLimits())) != nil, "byte \(allowed) at \(position)")
            }
        }
    }

    @Test func limitsAreEnforcedWhileReading() {
        var limits = RequestLimits()
        limits.maxURILength = 100
        limits.maxHeaderBytes = 200
        limits.maxBodyBytes = 10
        #expect(Self.decodeRequests("GET /" + String(repeating: "a", count: 500), limits: limits).error?.status == .uriTooLong)
        #expect(Self.decodeRequests("GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 400), limits: limits).error?.status == .requestHeaderFieldsTooLarge)
        #expect(Self.decodeRequests("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", limits: limits).error?.status == .payloadTooLarge)
        let chunked = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nabcdef\r\n0\r\n\r\n"
        #expect(Self.decodeRequests(chunked, limits: limits).error?.status == .payloadTooLarge, "a chunked body is counted as it arrives")
    }

    @Test func blankLinesBeforeARequestAreIgnored() {
        #expect(Self.decodeRequests("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n").parts == ["head GET / Host=a", "end"])
    }

    /// Every part of the answers in `text`, with the bodies joined; `closed` marks the connection closing after it.
    static func decodeResponses(_ text: String, answeringHead: Bool = false, closed: Bool = false) -> (parts: [String], error: HTTP1Error?, leftover: Bool) {
        var decoder = ResponseDecoder()
        decoder.answersHead = answeringHead
        decoder.receive(ByteBuffer(string: text))
        var parts: [String] = []
        do {
            while let part = try decoder.next() {
                switch part {
                case .head(let head): parts.append("head \(head.status.code)")
                case .body(let body): parts.append("body " + String(buffer: body))
                case .end:
                    parts.append("end")
                    return (joinBodies(parts), nil, decoder.hasLeftover)
                }
            }
        } catch {
            return (parts, error, false)
        }
        if closed, let end = decoder.closed(), case .end = end { parts.append("end") }
        return (joinBodies(parts), nil, decoder.hasLeftover)
    }

    @Test func upstreamAnswersAreFramedAsHTTPSays() {
        #expect(Self.decodeResponses("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").parts == ["head 200", "body ok", "end"],
                "an interim answer is skipped")
        #expect(Self.decodeResponses("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n", answeringHead: true).parts == ["head 200", "end"],
                "an answer to HEAD has no body whatever its length says")
        #expect(Self.decodeResponses("HTTP/1.1 204 No Content\r\n\r\n").parts == ["head 204", "end"])
        #expect(Self.decodeResponses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n").parts == ["head 200", "body ok", "end"])
        #expect(Self.decodeResponses("HTTP/1.1 200 OK\r\n\r\nuntil the end", closed: true).parts == ["head 200", "body until the end", "end"],
                "a body without a length ends when the upstream closes")
        #expect(Self.decodeResponses("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\ncut", closed: true).parts == ["head 200", "body cut"],
                "a body shorter than its length never ends")
        #expect(Self.decodeResponses("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA").leftover, "bytes after the answer are noticed")
        #expect(Self.decodeResponses("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").leftover == false)
        #expect(Self.decodeResponses("HTTP/1.1 2000 OK\r\n\r\n").error?.status == .badGateway)
        #expect(Self.decodeResponses("HTTP/1.1 101 Switching Protocols\r\n\r\n").error?.status == .badGateway)
        #expect(Self.decodeResponses("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n").error?.status == .badGateway)
    }

    /// Random damage to valid requests never crashes or loops: every input ends in parts or one error.
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func damagedRequestsNeverCrashTheReader(seed: UInt64) {
        var random = SeededRandom(state: seed)
        let alphabet = Array("\r\n :;0123456789abcdefABCDEF\t/%?\u{00}\u{7f}GETPOSTHTTP/1.1chunkedContent-LengthTransfer-Encoding".utf8)
        for _ in 0..<3_000 {
            var bytes = Array(Self.pipelined.utf8)
            for _ in 0..<Int(random.next() % 8 + 1) {
                let index = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 3 {
                case 0: bytes[index] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: index)
                default: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: index)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            _ = Self.decodeRequests(text, step: Int(random.next() % 16 + 1))
            _ = Self.decodeResponses(text, closed: true)
        }
    }

    /// A head buffer is used again only once nothing else holds it: a head the socket has not written yet keeps its bytes.
    @Test func aRecycledHeadBufferNeverChangesAHeadStillWaiting() {
        var buffers = RecycledBuffer()
        var first = buffers.take(capacity: 64)
        first.writeString("HTTP/1.1 200 OK\r\n\r\n")
        let waiting = first   // what the socket holds until it has written it
        buffers.recycle(first)
        var second = buffers.take(capacity: 64)
        second.writeString("HTTP/1.1 404 Not Found\r\n\r\n")
        #expect(String(buffer: waiting) == "HTTP/1.1 200 OK\r\n\r\n")
        #expect(String(buffer: second) == "HTTP/1.1 404 Not Found\r\n\r\n")
        // Once written (no other holder), the next head reuses the same storage.
        buffers.recycle(second)
        let storage = second.withVeryUnsafeBytes { $0.baseAddress }
        second = ByteBuffer()
        let third = buffers.take(capacity: 16)
        #expect(third.readableBytes == 0)
        #expect(third.withVeryUnsafeBytes { $0.baseAddress } == storage)
    }
}
