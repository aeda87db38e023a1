import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SwiftASN1
import X509
import _CryptoExtras

/// A canned answer for one path.
public struct Canned: Sendable {
    public var status: HTTPResponseStatus
    public var headers: [(String, String)]
    public var body: String
    /// Answer only after this long (a slow host).
    public var delay: TimeAmount

    public init(status: HTTPResponseStatus = .ok, headers: [(String, String)] = [], body: String = "{}", delay: TimeAmount = .zero) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delay = delay
    }
}

/// Test support shared by the rating and CLI tests: not part of the product.
///
/// A real HTTP(S) server on 127.0.0.1 with a port of its own, answering from a route table.
public final class TestServer: Sendable {
    public let channel: Channel
    public var port: Int { channel.localAddress!.port! }
    public var httpsURL: URL { URL(string: "https://127.0.0.1:\(port)/")! }
    public var httpURL: URL { URL(string: "http://127.0.0.1:\(port)/")! }

    private init(channel: Channel) { self.channel = channel }

    public static let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    /// - Parameters:
    ///   - respond: the answer for a method and path (the default answers "/" with `Canned()`).
    ///   - silent: complete TLS, then never answer HTTP (a stalled host).
    ///   - keepAlive: keep connections open between requests (by default each answer closes its connection).
    public static func start(tls: TLSConfiguration? = nil, silent: Bool = false, keepAlive: Bool = false,
                      respond: @escaping @Sendable (HTTPRequestHead) -> Canned = { _ in Canned() }) async throws -> TestServer {
        try await start(tls: tls, silent: silent, keepAlive: keepAlive, receiving: { head, _ in respond(head) })
    }

    /// Like `start(respond:)`, for answers that depend on the request body too (form posts, JSON).
    public static func start(tls: TLSConfiguration? = nil, silent: Bool = false, keepAlive: Bool = false,
                             receiving respond: @escaping @Sendable (HTTPRequestHead, String) -> Canned) async throws -> TestServer {
        try await start(tls: tls, silent: silent, keepAlive: keepAlive, handler: .immediate(respond))
    }

    /// Like `start(receiving:)`, for answers computed by async code (a GraphQL executor): the event loop is not held meanwhile.
    public static func start(keepAlive: Bool = false, answering respond: @escaping @Sendable (HTTPRequestHead, String) async -> Canned) async throws -> TestServer {
        try await start(tls: nil, silent: false, keepAlive: keepAlive, handler: .async(respond))
    }

    enum Handler: Sendable {
        case immediate(@Sendable (HTTPRequestHead, String) -> Canned)
        case async(@Sendable (HTTPRequestHead, String) async -> Canned)
    }

    static func start(tls: TLSConfiguration?, silent: Bool, keepAlive: Bool, handler respond: Handler) async throws -> TestServer {
        let context = try tls.map { try NIOSSLContext(configuration: $0) }
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context)) }
                    if silent { return }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(Responder(respond: respond, keepAlive: keepAlive))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestServer(channel: channel)
    }

    public func stop() async { try? await channel.close() }

    final class Responder: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let respond: Handler
        let keepAlive: Bool
        var head: HTTPRequestHead?
        var body = ByteBuffer()

        init(respond: Handler, keepAlive: Bool) {
            self.respond = respond
            self.keepAlive = keepAlive
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let request):
                head = request
                body.clear()
            case .body(var part): body.writeBuffer(&part)
            case .end:
                guard let head else { return }
                switch respond {
                case .immediate(let respond): write(respond(head, String(buffer: body)), context: context)
                case .async(let respond):
                    let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                    let text = String(buffer: body)
                    Task {
                        let canned = await respond(head, text)
                        bound.eventLoop.execute { bound.value.0.write(canned, context: bound.value.1) }
                    }
                }
            }
        }

        func write(_ canned: Canned, context: ChannelHandlerContext) {
            var headers = HTTPHeaders(canned.headers)
            headers.replaceOrAdd(name: "Content-Length", value: "\(canned.body.utf8.count)")
            if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
            let send = { [keepAlive] in
                context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: canned.status, headers: headers))), promise: nil)
                context.write(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: canned.body)))), promise: nil)
                context.writeAndFlush(self.wrapOutboundOut(.end(nil))).whenComplete { _ in if !keepAlive { context.close(promise: nil) } }
            }
            if canned.delay == .zero { send() } else { context.eventLoop.assumeIsolated().scheduleTask(in: canned.delay, send) }
        }
    }
}

/// Certificates made for each test run: a private CA and leaves with chosen flaws.
public enum TestPKI {
    public static let caKey = P256.Signing.PrivateKey()
    public static let caName = try! DistinguishedName { CommonName("Rampart Test CA") }
    public static let ca: Certificate = try! Certificate(
        version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey),
        notValidBefore: Date() - 3600, notValidAfter: Date() + 86_400 * 365, issuer: caName, subject: caName,
        signatureAlgorithm: .ecdsaWithSHA256,
        extensions: try! Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
            Critical(KeyUsage(keyCertSign: true))
        },
        issuerPrivateKey: .init(caKey))

    /// A PEM file with the test CA, for `--ca-file`.
    public static let caFile: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-test-ca-\(UUID()).pem").path
        try! ca.serializeAsPEM().pemString.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }()

    public enum LeafKey { case p256, rsa(bits: Int) }

    /// An intermediate CA under the test CA, for chains the server may or may not present in full.
    public static let intermediateKey = P256.Signing.PrivateKey()
    public static let intermediateName = try! DistinguishedName { CommonName("Rampart Test Intermediate") }
    public static let intermediate: Certificate = try! Certificate(
        version: .v3, serialNumber: .init(), publicKey: .init(intermediateKey.publicKey),
        notValidBefore: Date() - 3600, notValidAfter: Date() + 86_400 * 90, issuer: caName, subject: intermediateName,
        signatureAlgorithm: .ecdsaWithSHA256,
        extensions: try! Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(keyCertSign: true))
        },
        issuerPrivateKey: .init(caKey))

    /// A P-256 leaf for 127.0.0.1 issued by the intermediate CA.
    public static func leafUnderIntermediate() throws -> (NIOSSLCertificate, NIOSSLPrivateKey) {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName("127.0.0.1") }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: Date() - 3600,
            notValidAfter: Date() + 86_400 * 30, issuer: intermediateName, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions { SubjectAlternativeNames([.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))]) },
            issuerPrivateKey: .init(intermediateKey))
        return (try nioCertificate(certificate), try NIOSSLPrivateKey(bytes: Array(key.derRepresentation), format: .der))
    }

    public static func nioCertificate(_ certificate: Certificate) throws -> NIOSSLCertificate {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return try NIOSSLCertificate(bytes: serializer.serializedBytes, format: .der)
    }

    /// A leaf for 127.0.0.1 (or `names`), signed by the test CA unless `selfSigned`.
    public static func leaf(names: [String] = [], ip: Bool = true, key: LeafKey = .p256, validFrom: Date = Date() - 3600,
                     validUntil: Date = Date() + 86_400 * 30, selfSigned: Bool = false,
                     signature: Certificate.SignatureAlgorithm? = nil) throws -> (NIOSSLCertificate, NIOSSLPrivateKey) {
        let subject = try DistinguishedName { CommonName(names.first ?? "127.0.0.1") }
        var sans: [GeneralName] = names.map { .dnsName($0) }
        if ip { sans.append(.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))) }
        let publicKey: Certificate.PublicKey
        let keyDER: [UInt8]
        let ownKey: Certificate.PrivateKey
        let ownAlgorithm: Certificate.SignatureAlgorithm
        switch key {
        case .p256:
            let privateKey = P256.Signing.PrivateKey()
            publicKey = .init(privateKey.publicKey)
            keyDER = Array(privateKey.derRepresentation)
            ownKey = .init(privateKey)
            ownAlgorithm = .ecdsaWithSHA256
        case .rsa(let bits):
            let privateKey = try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: bits))
            publicKey = .init(privateKey.publicKey)
            keyDER = Array(privateKey.derRepresentation)
            ownKey = .init(privateKey)
            ownAlgorithm = .sha256WithRSAEncryption
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: publicKey, notValidBefore: validFrom, notValidAfter: validUntil,
            issuer: selfSigned ? subject : caName, subject: subject,
            signatureAlgorithm: signature ?? (selfSigned ? ownAlgorithm : .ecdsaWithSHA256),
            extensions: try Certificate.Extensions { SubjectAlternativeNames(sans) },
            issuerPrivateKey: selfSigned ? ownKey : .init(caKey))
        return (try nioCertificate(certificate), try NIOSSLPrivateKey(bytes: keyDER, format: .der))
    }

    /// A P-256 leaf for 127.0.0.1 (and `names`) and its key, written as PEM files, for configurations that
    /// name files. Signed by the test CA unless `selfSigned`.
    public static func leafFiles(names: [String] = [], selfSigned: Bool = false) throws -> (certificate: String, key: String) {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(names.first ?? "127.0.0.1") }
        let sans: [GeneralName] = names.map { .dnsName($0) } + [.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))]
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: Date() - 3600, notValidAfter: Date() + 86_400,
            issuer: selfSigned ? subject : caName, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions { SubjectAlternativeNames(sans) }, issuerPrivateKey: selfSigned ? .init(key) : .init(caKey))
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-test-leaf-\(UUID())").path
        try certificate.serializeAsPEM().pemString.write(toFile: base + ".pem", atomically: true, encoding: .utf8)
        try key.pemRepresentation.write(toFile: base + ".key", atomically: true, encoding: .utf8)
        return (base + ".pem", base + ".key")
    }

    public static func serverTLS(_ leaf: (NIOSSLCertificate, NIOSSLPrivateKey), versions: ClosedRange<Int> = 2...3,
                                 extraChain: [NIOSSLCertificate] = []) -> TLSConfiguration {
        let all: [TLSVersion] = [.tlsv1, .tlsv11, .tlsv12, .tlsv13]
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: ([leaf.0] + extraChain).map { .certificate($0) }, privateKey: .privateKey(leaf.1))
        configuration.minimumTLSVersion = all[versions.lowerBound]
        configuration.maximumTLSVersion = all[versions.upperBound]
        return configuration
    }
}
