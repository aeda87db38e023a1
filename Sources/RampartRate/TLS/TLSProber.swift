import NIOCore
import NIOSSL
import X509

/// What the TLS probe found on one host.
public struct TLSFindings: Sendable {
    /// Accepted protocol versions, oldest first: `TLSv1.0` … `TLSv1.3`.
    public var protocols: [String]
    /// Cipher suites accepted over TLS 1.2 and older (TLS 1.3 suites are all forward secret and AEAD).
    public var ciphers: [String]
    public var certificate: CertificateReport?
}

/// Probes protocol versions one at a time and, for pre-1.3 versions, each cipher suite on its own:
/// a server's choice in a normal handshake hides what else it would accept.
public enum TLSProber {
    public static let versions: [(TLSVersion, String)] = [(.tlsv1, "TLSv1.0"), (.tlsv11, "TLSv1.1"), (.tlsv12, "TLSv1.2"), (.tlsv13, "TLSv1.3")]

    /// The TLS ≤ 1.2 suites BoringSSL can offer, with the facts the grade needs.
    public struct Suite: Sendable {
        public var cipher: NIOTLSCipher
        public var name: String
        public var forwardSecret: Bool
        public var bits: Int
    }

    public static let suites: [Suite] = [
        Suite(cipher: .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, name: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", forwardSecret: true, bits: 256),
        Suite(cipher: .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, name: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", forwardSecret: true, bits: 256),
        Suite(cipher: .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, name: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", forwardSecret: true, bits: 256),
        Suite(cipher: .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, name: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", forwardSecret: true, bits: 256),
        Suite(cipher: .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, name: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", forwardSecret: true, bits: 128),
        Suite(cipher: .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", forwardSecret: true, bits: 128),
        Suite(cipher: .TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, name: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", forwardSecret: true, bits: 256),
        Suite(cipher: .TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, name: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", forwardSecret: true, bits: 256),
        Suite(cipher: .TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, name: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", forwardSecret: true, bits: 128),
        Suite(cipher: .TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, name: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", forwardSecret: true, bits: 128),
        Suite(cipher: .TLS_RSA_WITH_AES_256_GCM_SHA384, name: "TLS_RSA_WITH_AES_256_GCM_SHA384", forwardSecret: false, bits: 256),
        Suite(cipher: .TLS_RSA_WITH_AES_128_GCM_SHA256, name: "TLS_RSA_WITH_AES_128_GCM_SHA256", forwardSecret: false, bits: 128),
        Suite(cipher: .TLS_RSA_WITH_AES_256_CBC_SHA, name: "TLS_RSA_WITH_AES_256_CBC_SHA", forwardSecret: false, bits: 256),
        Suite(cipher: .TLS_RSA_WITH_AES_128_CBC_SHA, name: "TLS_RSA_WITH_AES_128_CBC_SHA", forwardSecret: false, bits: 128),
    ]

    static func suite(named name: String) -> Suite? { suites.first { $0.name == name } }

    /// Protocol versions and pre-1.3 suites are probed concurrently; each probe is one short handshake.
    public static func probe(_ client: RateClient, host: String, port: Int, roots: CertificateStore) async throws -> TLSFindings {
        let accepted = await withTaskGroup(of: (Int, RateClient.Handshake?).self) { group in
            for (index, (version, _)) in versions.enumerated() {
                group.addTask { (index, try? await client.handshake(host: host, port: port, version: version)) }
            }
            var results = [RateClient.Handshake?](repeating: nil, count: versions.count)
            for await (index, handshake) in group { results[index] = handshake }
            return results
        }
        let protocols = versions.indices.filter { accepted[$0] != nil }.map { versions[$0].1 }
        guard let chain = accepted.compactMap({ $0 }).last?.chain else {
            throw ProbeError.unreachable("\(host):\(port) completed no TLS handshake with TLS 1.0–1.3")
        }
        var ciphers: [String] = []
        let legacy = versions.indices.filter { accepted[$0] != nil && versions[$0].0 != .tlsv13 }.map { versions[$0].0 }
        if let newest = legacy.last {
            ciphers = await withTaskGroup(of: String?.self) { group in
                for suite in suites {
                    group.addTask { (try? await client.handshake(host: host, port: port, version: newest, ciphers: [suite.cipher])) != nil ? suite.name : nil }
                }
                var names: [String] = []
                for await name in group { if let name { names.append(name) } }
                return suites.map(\.name).filter(names.contains)
            }
        }
        let certificate = try await CertificateInspector.inspect(chain, host: host, roots: roots)
        return TLSFindings(protocols: protocols, ciphers: ciphers, certificate: certificate)
    }
}
