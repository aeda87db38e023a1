import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import RampartGateway
import RampartSpec
import RampartTestSupport
import Testing

/// A gateway whose listener terminates TLS with a certificate from the test CA and asks for client
/// certificates from that CA (`requirement`: optional or required).
private func tlsGateway(upstream: String, requirement: String, auditLog: String? = nil, upstreamCA: String? = nil) async throws -> GatewayServer {
    let server = try TestPKI.leafFiles()
    let text = """
    gateway:
      listeners:
        - address: "127.0.0.1:0"
          tls: {certificate: "\(server.certificate)", key: "\(server.key)", client_ca: "\(TestPKI.caFile)", client_certificate: \(requirement)}
    \(auditLog.map { "  audit_log: \($0)" } ?? "")
      upstreams: {api: {url: "\(upstream)"\(upstreamCA.map { ", ca: \"\($0)\"" } ?? "")}}
      authenticators: {partners: {mtls: {}}}
      routes:
        - {path: /partners, upstream: api, authenticate: [partners], authorize: {claims: {cn: partner.example}}}
        - {path: /, upstream: api}
    """
    return try await GatewayServer.start(GatewayConfiguration.parse(SpecDocument(text: text, file: "gateway.yml").root))
}

/// A client that trusts the test CA and presents `certificate`, if any.
private func client(_ certificate: (certificate: String, key: String)?) throws -> HTTPClient {
    var tls = TLSConfiguration.makeClientConfiguration()
    tls.trustRoots = .file(TestPKI.caFile)
    if let certificate {
        tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate.certificate).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: certificate.key, format: .pem))
    }
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
}

private func get(_ client: HTTPClient, _ server: GatewayServer, _ path: String) async throws -> HTTPClientResponse {
    try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(server.addresses[0].port!)\(path)"), timeout: .seconds(30))
}

/// An upstream that says which subject the gateway vouched for.
private func echoingUpstream(tls: Bool = false) async throws -> TestServer {
    try await TestServer.start(tls: tls ? TestPKI.serverTLS(try TestPKI.leaf()) : nil) { head in
        Canned(headers: [("X-Seen-Subject", head.headers.first(name: "x-authenticated-subject") ?? "-"),
                         ("X-Seen-Proto", head.headers.first(name: "x-forwarded-proto") ?? "-")])
    }
}

@Test func aClientCertificateIsTheIdentityOfAnMTLSRoute() async throws {
    let upstream = try await echoingUpstream()
    let server = try await tlsGateway(upstream: upstream.httpURL.absoluteString, requirement: "optional")
    let partner = try client(TestPKI.leafFiles(names: ["partner.example"]))
    let other = try client(TestPKI.leafFiles(names: ["someone.example"]))
    let anonymous = try client(nil)
    let answer = try await get(partner, server, "/partners/orders")
    #expect(answer.status == .ok && answer.headers.first(name: "x-seen-subject") == "partner.example")
    #expect(answer.headers.first(name: "x-seen-proto") == "https" && answer.headers.first(name: "strict-transport-security") != nil)
    #expect(try await get(other, server, "/partners/orders").status == .forbidden, "verified, but not the subject the route allows")
    #expect(try await get(anonymous, server, "/partners/orders").status == .unauthorized, "no certificate on an mTLS route")
    #expect(try await get(anonymous, server, "/public").status == .ok, "optional: other routes need none")
    for client in [partner, other, anonymous] { try await client.shutdown() }
    await server.stop()
    await upstream.stop()
}

@Test func aCertificateFromAnotherCAIsRefusedInTheHandshakeAndLogged() async throws {
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-gw-mtls-\(UUID().uuidString).jsonl").path
    defer { try? FileManager.default.removeItem(atPath: log) }
    let upstream = try await echoingUpstream()
    let server = try await tlsGateway(upstream: upstream.httpURL.absoluteString, requirement: "required", auditLog: log)
    let stranger = try client(TestPKI.leafFiles(names: ["partner.example"], selfSigned: true))
    let anonymous = try client(nil)
    await #expect(throws: (any Error).self) { _ = try await get(stranger, server, "/partners/orders") }
    await #expect(throws: (any Error).self, "required: no certificate, no connection") { _ = try await get(anonymous, server, "/public") }
    let partner = try client(TestPKI.leafFiles(names: ["partner.example"]))
    #expect(try await get(partner, server, "/partners/orders").status == .ok)
    for client in [stranger, anonymous, partner] { try await client.shutdown() }
    await server.stop()
    let entries = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map { try JSONDecoder().decode(AuditEntry.self, from: Data($0.utf8)) }
    let refusals = entries.filter { $0.status == 495 }
    #expect(refusals.count >= 2 && refusals.allSatisfy { $0.decision == "reject" && $0.reason?.hasPrefix("TLS handshake failed") == true }, "\(entries)")
    #expect(entries.contains { $0.decision == "allow" && $0.identity == "partners:partner.example" })
    await upstream.stop()
}

@Test func httpsUpstreamsAreVerified() async throws {
    let upstream = try await echoingUpstream(tls: true)
    let trusted = try await tlsGateway(upstream: upstream.httpsURL.absoluteString, requirement: "optional", upstreamCA: TestPKI.caFile)
    let anonymous = try client(nil)
    let answer = try await get(anonymous, trusted, "/public")
    #expect(answer.status == .ok && answer.headers.first(name: "x-seen-proto") == "https")
    // Without the test CA the upstream's certificate is not trusted: a generic 502, never plain HTTP.
    let untrusted = try await tlsGateway(upstream: upstream.httpsURL.absoluteString, requirement: "optional")
    let refused = try await get(anonymous, untrusted, "/public")
    #expect(refused.status == .badGateway)
    try await anonymous.shutdown()
    await trusted.stop()
    await untrusted.stop()
    await upstream.stop()
}

@Test func tlsSettingsAreValidated() throws {
    let text = """
    gateway:
      listeners: [{address: "127.0.0.1:0"}]
      upstreams: {api: {url: "http://127.0.0.1:9", ca: ca.pem}}
      routes: [{path: /, upstream: api}]
    """
    #expect { _ = try GatewayConfiguration.parse(SpecDocument(text: text, file: "gateway.yml").root) } throws: { error in
        String(describing: error).contains("gateway.yml:3:") && String(describing: error).contains("'ca' is for https upstreams")
    }
    let withoutCA = """
    gateway:
      listeners: [{address: "127.0.0.1:0"}]
      upstreams: {api: {url: "http://127.0.0.1:9"}}
      authenticators: {partners: {mtls: {}}}
      routes: [{path: /, upstream: api, authenticate: [partners]}]
    """
    #expect { _ = try GatewayConfiguration.parse(SpecDocument(text: withoutCA, file: "gateway.yml").root) } throws: { error in
        String(describing: error).contains("needs a listener with 'tls.client_ca'")
    }
}
