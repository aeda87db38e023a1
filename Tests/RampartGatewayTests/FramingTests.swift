import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
@testable import RampartGateway
import RampartSpec
import Testing

/// An upstream that answers with exactly the bytes a test gives it, to show how the gateway frames what
/// real servers send: chunks, bodies that end at the close, bytes after the answer.
private final class RawUpstream: Sendable {
    let channel: any Channel
    /// The raw requests received, in order.
    let requests = NIOLockedValueBox<[String]>([])
    /// Connections accepted.
    let connections = NIOLockedValueBox(0)
    var port: Int { channel.localAddress!.port! }

    private final class Connection: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let upstream: RawUpstream
        let answer: @Sendable (String) -> (String, close: Bool)
        var received = ""
        init(_ upstream: RawUpstream, _ answer: @escaping @Sendable (String) -> (String, close: Bool)) {
            self.upstream = upstream
            self.answer = answer
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += String(buffer: unwrapInboundIn(data))
            while let end = Self.requestEnd(received) {
                let request = String(received[..<end])
                received = String(received[end...])
                upstream.requests.withLockedValue { $0.append(request) }
                let (text, close) = answer(request)
                write(text.split(separator: Self.pause, omittingEmptySubsequences: false)[...], close: close, context: context)
            }
        }

        /// Writes the pieces of an answer 50 ms apart, so the gateway reads them separately.
        private func write(_ pieces: ArraySlice<Substring>, close: Bool, context: ChannelHandlerContext) {
            guard let piece = pieces.first else { return }
            let written = context.writeAndFlush(NIOAny(ByteBuffer(string: String(piece))))
            if pieces.count == 1 {
                if close { written.whenComplete { _ in context.close(promise: nil) } }
                return
            }
            let next = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(50)) { next.value.0.write(pieces.dropFirst(), close: close, context: next.value.1) }
        }

        /// In an answer, where the upstream pauses before writing the rest.
        static let pause: Character = "\u{1}"

        /// Where the first complete request in `text` ends (bodies by Content-Length or a last chunk).
        static func requestEnd(_ text: String) -> String.Index? {
            guard let head = text.range(of: "\r\n\r\n") else { return nil }
            let headers = text[..<head.lowerBound].lowercased()
            if headers.contains("transfer-encoding: chunked") { return text.range(of: "0\r\n\r\n", range: head.upperBound..<text.endIndex)?.upperBound }
            if let line = headers.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
               let length = Int(line.dropFirst(15).trimmingCharacters(in: .whitespaces)) {
                return text.utf8.count - text.utf8.distance(from: text.startIndex, to: head.upperBound) >= length
                    ? text.utf8.index(head.upperBound, offsetBy: length) : nil
            }
            return head.upperBound
        }
    }

    private init(channel: any Channel) { self.channel = channel }

    static func start(_ answer: @escaping @Sendable (String) -> (String, close: Bool)) async throws -> RawUpstream {
        let box = NIOLockedValueBox<RawUpstream?>(nil)
        let channel = try await ServerBootstrap(group: gatewayTestLoops)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upstream = box.withLockedValue { $0! }
                    upstream.connections.withLockedValue { $0 += 1 }
                    try channel.pipeline.syncOperations.addHandler(Connection(upstream, answer))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let upstream = RawUpstream(channel: channel)
        box.withLockedValue { $0 = upstream }
        return upstream
    }

    func stop() async { try? await channel.close() }
}

private func gateway(_ upstream: RawUpstream, group: any EventLoopGroup = gatewayTestLoops) async throws -> GatewayServer {
    let text = """
    gateway:
      listeners: [{address: "127.0.0.1:0"}]
      limits: {header_timeout: 60}
      upstreams: {api: {url: "http://127.0.0.1:\(upstream.port)"}}
      routes:
        - {path: /, upstream: api}
    """
    return try await GatewayServer.start(GatewayConfiguration.parse(SpecDocument(text: text, file: "gateway.yml").root), group: group)
}

/// The body of a chunked message, decoded.
private func dechunk(_ text: Substring) -> String {
    var rest = text
    var body = ""
    while let line = rest.range(of: "\r\n"), let size = Int(rest[..<line.lowerBound].split(separator: ";")[0], radix: 16), size > 0 {
        let start = line.upperBound
        let end = rest.utf8.index(start, offsetBy: size)
        body += rest[start..<end]
        rest = rest[rest.utf8.index(end, offsetBy: 2)...]
    }
    return body
}

@Test func chunkedBodiesAreDecodedCheckedAndChunkedAgain() async throws {
    let upstream = try await RawUpstream.start { _ in ("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", false) }
    let server = try await gateway(upstream)
    let answer = try await raw(server.addresses[0].port!, "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                                   + "4;note=x\r\nwiki\r\n5\r\npedia\r\n0\r\nX-Trailer: dropped\r\n\r\n")
    let request = try #require(upstream.requests.withLockedValue { $0.first })
    #expect(request.lowercased().contains("transfer-encoding: chunked\r\n"))
    #expect(dechunk(request[request.range(of: "\r\n\r\n")!.upperBound...]) == "wikipedia", "\(request)")
    #expect(!request.contains("X-Trailer"), "trailers are not passed on")
    #expect(answer.hasPrefix("HTTP/1.1 201 Created\r\n") && answer.lowercased().contains("transfer-encoding: chunked\r\n"), "\(answer)")
    #expect(dechunk(answer[answer.range(of: "\r\n\r\n")!.upperBound...]) == "abcde", "\(answer)")
    await server.stop()
    await upstream.stop()
}

@Test func aBodyThatEndsWithTheUpstreamsConnectionIsChunkedForHTTP11AndClosedForHTTP10() async throws {
    let upstream = try await RawUpstream.start { request in ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nstreamed " + request.prefix(8), true) }
    let server = try await gateway(upstream)
    let port = server.addresses[0].port!
    // Two requests on one HTTP/1.1 connection: the first answer is chunked, so the connection carries the second,
    // whose client asked to close anyway: its body ends with the connection.
    let answers = try await raw(port, "GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    let parts = Array(answers.components(separatedBy: "HTTP/1.1 200 OK\r\n").dropFirst())
    try #require(parts.count == 2, "\(answers)")
    #expect(parts[0].lowercased().contains("transfer-encoding: chunked\r\n"), "\(parts[0])")
    #expect(dechunk(parts[0][parts[0].range(of: "\r\n\r\n")!.upperBound...]) == "streamed GET /one", "\(parts[0])")
    #expect(parts[1].lowercased().contains("connection: close") && parts[1].hasSuffix("\r\n\r\nstreamed GET /two"), "\(parts[1])")
    // HTTP/1.0 has no chunks: the body ends when the gateway closes the connection.
    let old = try await raw(port, "GET /one HTTP/1.0\r\n\r\n")
    #expect(old.hasPrefix("HTTP/1.0 200 OK\r\n") && !old.lowercased().contains("transfer-encoding") && old.lowercased().contains("connection: close"), "\(old)")
    #expect(old.hasSuffix("\r\n\r\nstreamed GET /one"), "\(old)")
    await server.stop()
    await upstream.stop()
}

@Test func answersToHeadHaveNoBodyAndTheConnectionGoesOn() async throws {
    let upstream = try await RawUpstream.start { request in
        request.hasPrefix("HEAD /length") ? ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", false)
            : request.hasPrefix("HEAD") ? ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false)
            : ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nafter", false)
    }
    let server = try await gateway(upstream)
    let answers = try await raw(server.addresses[0].port!, "HEAD /length HTTP/1.1\r\nHost: a\r\n\r\nHEAD /chunked HTTP/1.1\r\nHost: a\r\n\r\n"
                                    + "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    #expect(answers.components(separatedBy: "HTTP/1.1 200 OK").count == 4, "\(answers)")
    #expect(!answers.contains("\r\n0\r\n"), "no last chunk after a chunked answer to HEAD: \(answers)")
    #expect(answers.hasSuffix("\r\n\r\nafter"), "\(answers)")
    await server.stop()
    await upstream.stop()
}

@Test func bodiesArrivingInPiecesArePassedOnWhole() async throws {
    // A short body is written together with its head, which waits for all of it; a long one is streamed as it comes.
    let long = String(repeating: "x", count: 40_000)
    let upstream = try await RawUpstream.start { request in
        request.hasPrefix("GET /short")
            ? ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234\u{1}567\u{1}89", false)
            : ("HTTP/1.1 200 OK\r\nContent-Length: \(long.utf8.count + 3)\r\n\r\n\(long.prefix(20_000))\u{1}\(long.dropFirst(20_000))\u{1}end", false)
    }
    let server = try await gateway(upstream)
    let answers = try await raw(server.addresses[0].port!, "GET /short HTTP/1.1\r\nHost: a\r\n\r\nGET /long HTTP/1.1\r\nHost: a\r\n\r\n"
                                    + "GET /short HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    let parts = Array(answers.components(separatedBy: "HTTP/1.1 200 OK\r\n").dropFirst())
    try #require(parts.count == 3, "\(answers.prefix(600))")
    #expect(parts[0].hasSuffix("\r\n\r\n0123456789"), "\(parts[0])")
    #expect(parts[1].hasSuffix("\r\n\r\n" + long + "end"), "\(parts[1].prefix(300))")
    #expect(parts[2].hasSuffix("\r\n\r\n0123456789"), "\(parts[2])")
    await server.stop()
    await upstream.stop()
}

@Test func anUpstreamConnectionThatSentMoreThanItsAnswerIsNotReused() async throws {
    // A desynchronised upstream: a second, unasked-for answer right behind the first.
    let upstream = try await RawUpstream.start { request in
        request.hasPrefix("GET /first") ? ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged", false)
                                        : ("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nreal", false)
    }
    let server = try await gateway(upstream)
    let port = server.addresses[0].port!
    let first = try await raw(port, "GET /first HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    #expect(first.hasSuffix("\r\n\r\nok"), "\(first)")
    for _ in 0..<3 {
        let next = try await raw(port, "GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(next.hasSuffix("\r\n\r\nreal"), "never the forged answer: \(next)")
    }
    await server.stop()
    await upstream.stop()
}

/// A stray answer that reaches the gateway while its loop is busy (here: held for 0.8 s) sits unread in the kernel when
/// the next request arrives. Reusing that connection would hand the stray answer to whoever asks next, another client
/// included; the gateway must see the unread bytes and take a fresh connection.
@Test func strayBytesWaitingUnreadOnAnIdleConnectionNeverBecomeTheNextAnswer() async throws {
    let upstream = try await RawUpstream.start { request in
        let forged = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged"
        // The stray answer comes 300 ms after the real one (six 50 ms pauses), as a separate write.
        return request.hasPrefix("GET /first") ? ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" + String(repeating: "\u{1}", count: 6) + forged, false)
                                               : ("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nreal", false)
    }
    // One loop: every client shares one pool, and the test can hold that loop.
    let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let server = try await gateway(upstream, group: loops)
    let port = server.addresses[0].port!
    let alice = try BlockingClient(port: port)
    #expect(try alice.exchange("GET /first HTTP/1.1\r\nHost: a\r\n\r\n").hasSuffix("\r\n\r\nok"))
    loops.next().execute { Thread.sleep(forTimeInterval: 0.8) }
    try await Task.sleep(for: .milliseconds(100))
    // Alice's next request is ready before the stray bytes: the loop reads it first once it wakes.
    let next = try alice.exchange("GET /next HTTP/1.1\r\nHost: a\r\n\r\n")
    #expect(next.hasSuffix("\r\n\r\nreal"), "never the stray answer: \(next)")
    for _ in 0..<3 {
        let bob = try BlockingClient(port: port)
        let answer = try bob.exchange("GET /next HTTP/1.1\r\nHost: b\r\n\r\n")
        #expect(answer.hasSuffix("\r\n\r\nreal"), "another client never gets the stray answer: \(answer)")
    }
    #expect(upstream.requests.withLockedValue { $0.count } == 5, "each request reached the upstream once")
    await server.stop()
    await upstream.stop()
    try await loops.shutdownGracefully()
}

@Test func strayBytesOnAnIdleConnectionCloseIt() async throws {
    // Junk 100 ms after a complete answer, while the connection idles in the pool, and clients taking turns.
    let upstream = try await RawUpstream.start { request in
        request.hasPrefix("GET /first") ? ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok\u{1}\u{1}junk after the body", false)
                                        : ("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nreal", false)
    }
    let server = try await gateway(upstream)
    let port = server.addresses[0].port!
    #expect(try BlockingClient(port: port).exchange("GET /first HTTP/1.1\r\nHost: a\r\n\r\n").hasSuffix("ok"))
    try await Task.sleep(for: .milliseconds(300))
    for client in 0..<4 {
        let answer = try BlockingClient(port: port).exchange("GET /next HTTP/1.1\r\nHost: c\(client)\r\n\r\n")
        #expect(answer.hasPrefix("HTTP/1.1 200") && answer.hasSuffix("\r\n\r\nreal"), "\(answer)")
    }
    await server.stop()
    await upstream.stop()
}

/// A keep-alive HTTP/1.1 client on a plain blocking socket: one request at a time, answers framed by Content-Length.
/// (Blocking, so that it never waits on the event loops a test holds.)
final class BlockingClient: @unchecked Sendable {
    private let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard connected == 0 else { close(socket); throw ChannelError.connectTimeout(.seconds(0)) }
    }

    deinit { close(socket) }

    /// Writes bytes; false once the peer has closed.
    @discardableResult
    func write(_ text: String) -> Bool {
        text.withCString { Glibc.send(socket, $0, strlen($0), Int32(MSG_NOSIGNAL)) } > 0
    }

    /// Sends a request and reads its answer (head and Content-Length body).
    func exchange(_ request: String) throws -> String {
        write(request)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let text = String(validating: bytes, as: UTF8.self), let head = text.range(of: "\r\n\r\n") {
                let length = text[..<head.lowerBound].split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
                if text.utf8.count - text.utf8.distance(from: text.startIndex, to: head.upperBound) >= length { return text }
            }
            let count = recv(socket, &chunk, chunk.count, 0)
            guard count > 0 else { return String(decoding: bytes, as: UTF8.self) }
            bytes += chunk[0..<count]
        }
    }
}

/// The unread-bytes check must not cost the pool its point: a clean idle connection is used again.
@Test func cleanIdleConnectionsAreReused() async throws {
    let upstream = try await RawUpstream.start { _ in ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false) }
    let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let server = try await gateway(upstream, group: loops)
    for client in 0..<10 {
        let answer = try BlockingClient(port: server.addresses[0].port!).exchange("GET /\(client) HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(answer.hasSuffix("\r\n\r\nok"))
    }
    #expect(upstream.connections.withLockedValue { $0 } == 1, "ten clients in turn, one upstream connection")
    await server.stop()
    await upstream.stop()
    try await loops.shutdownGracefully()
}
