import Foundation
import NIOSSL
import SwiftASN1
import X509
import _CryptoExtras
import Crypto

/// What a host's certificate chain shows, judged with swift-certificates' verifier.
public struct CertificateReport: Codable, Hashable, Sendable {
    public var subject: String
    public var issuer: String
    public var notValidBefore: Date
    public var notValidAfter: Date
    /// `RSA`, `P-256`, `P-384`, `P-521`, `Ed25519`.
    public var keyType: String
    public var keyBits: Int
    public var signatureAlgorithm: String
    public var chainLength: Int
    /// The chain validates to a trusted root, for this host name, today.
    public var trusted: Bool
    public var problems: [Problem]
    /// Set when part of the chain could not be checked, and why.
    public var limitation: String?

    public enum Problem: String, Codable, Hashable, Sendable, CaseIterable {
        case expired = "expired"
        case notYetValid = "not-yet-valid"
        case selfSigned = "self-signed"
        case untrusted = "untrusted"
        case nameMismatch = "name-mismatch"
        case weakKey = "weak-key"
        case weakSignature = "weak-signature"
        case chainIncomplete = "chain-incomplete"
    }
}

/// Trusted roots for a run: the system's plus `--ca-file` (lets the CLI stay free of X509 types).
public struct X509Roots: Sendable {
    public var store: CertificateStore
    public init(caFile: String?) throws { store = try CertificateInspector.trustStore(caFile: caFile) }
}

public enum CertificateInspector {
    /// Trusted roots: the system's, plus the certificates of `--ca-file`.
    public static func trustStore(caFile: String?) throws -> CertificateStore {
        var store = CertificateStore.systemTrustRoots
        if let caFile { store.append(contentsOf: try loadPEM(caFile)) }
        return store
    }

    /// Every certificate in a PEM file.
    public static func loadPEM(_ path: String) throws -> [Certificate] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let blocks = text.components(separatedBy: "-----END CERTIFICATE-----").compactMap { part -> String? in
            guard let start = part.range(of: "-----BEGIN CERTIFICATE-----") else { return nil }
            return String(part[start.lowerBound...]) + "-----END CERTIFICATE-----"
        }
        return try blocks.map { try Certificate(pemEncoded: $0) }
    }

    public static func inspect(_ presented: [NIOSSLCertificate], host: String, roots: CertificateStore, now: Date = Date()) async throws -> CertificateReport {
        guard let first = presented.first else { throw ProbeError.unreachable("the server presented no certificate") }
        let chain: [Certificate]
        do {
            chain = try presented.map { try Certificate(derEncoded: $0.toDERBytes()) }
        } catch {
            return try weakKeyReport(first, now: now)
        }
        let leaf = chain[0]
        var problems: [CertificateReport.Problem] = []
        if leaf.notValidAfter < now { problems.append(.expired) }
        if leaf.notValidBefore > now { problems.append(.notYetValid) }
        let selfSigned = leaf.issuer == leaf.subject
        if selfSigned { problems.append(.selfSigned) }

        let (keyType, keyBits) = describeKey(leaf.publicKey)
        if (keyType == "RSA" && keyBits < 2048) || (keyType.hasPrefix("P-") && keyBits < 256) { problems.append(.weakKey) }
        let signature = String(describing: leaf.signatureAlgorithm)
        if leaf.signatureAlgorithm == .sha1WithRSAEncryption || signature.lowercased().contains("sha1") || signature.lowercased().contains("md5")
            || signature.contains("1.2.840.113549.1.1.4") {
            problems.append(.weakSignature)
        }

        let isIP = RateClient.isIPAddress(host)
        var trustVerifier = Verifier(rootCertificates: roots) { RFC5280Policy(validationTime: now) }
        let trusted: Bool
        switch await trustVerifier.validate(leaf: leaf, intermediates: CertificateStore(chain.dropFirst())) {
        case .validCertificate: trusted = true
        case .couldNotValidate: trusted = false
        }
        // The host-name policy alone, applied to the leaf: a full verification would also fail on unrelated
        // things (a CA's critical basicConstraints, expiry) and call them a name mismatch.
        var nameVerifier = Verifier(rootCertificates: CertificateStore([leaf])) {
            NameOnlyPolicy(identity: ServerIdentityPolicy(serverHostname: isIP ? nil : host, serverIP: isIP ? host : nil))
        }
        if case .couldNotValidate = await nameVerifier.validate(leaf: leaf, intermediates: CertificateStore()) {
            problems.append(.nameMismatch)
        }
        if !trusted && !selfSigned {
            // Signed by someone we do not know. With only the leaf presented that is an unknown CA or a
            // left-out intermediate, indistinguishable from outside; with more presented, the chain is untrusted.
            problems.append(chain.count > 1 ? .untrusted : .chainIncomplete)
        } else if !trusted {
            problems.append(.untrusted)
        }
        // Expiry alone also fails validation; keep the more precise reason only.
        if problems.contains(.expired) || problems.contains(.notYetValid) { problems.removeAll { $0 == .untrusted } }
        return CertificateReport(
            subject: String(describing: leaf.subject), issuer: String(describing: leaf.issuer),
            notValidBefore: leaf.notValidBefore, notValidAfter: leaf.notValidAfter, keyType: keyType, keyBits: keyBits,
            signatureAlgorithm: signature, chainLength: chain.count, trusted: trusted && !problems.contains(.nameMismatch),
            problems: problems, limitation: nil)
    }

    /// swift-certificates refuses to decode RSA keys under 2048 bits, so such a leaf is read through
    /// BoringSSL instead: dates and key size are checked, the chain and the name cannot be.
    static func weakKeyReport(_ leaf: NIOSSLCertificate, now: Date) throws -> CertificateReport {
        let spki = try leaf.extractPublicKey().toSPKIBytes()
        guard let rsa = try? _RSA.Signing.PublicKey(unsafeDERRepresentation: spki) else {
            throw ProbeError.unreachable("the server's certificate cannot be decoded")
        }
        let notBefore = Date(timeIntervalSince1970: TimeInterval(leaf.notValidBefore))
        let notAfter = Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter))
        var problems: [CertificateReport.Problem] = []
        if notAfter < now { problems.append(.expired) }
        if notBefore > now { problems.append(.notYetValid) }
        if rsa.keySizeInBits < 2048 { problems.append(.weakKey) }
        return CertificateReport(
            subject: "(not decoded)", issuer: "(not decoded)", notValidBefore: notBefore, notValidAfter: notAfter, keyType: "RSA",
            keyBits: rsa.keySizeInBits, signatureAlgorithm: "(not decoded)", chainLength: 1, trusted: false, problems: problems,
            limitation: "RSA \(rsa.keySizeInBits)-bit key: the chain and host name were not verified (keys under 2048 bits are not decoded)")
    }

    static func describeKey(_ key: Certificate.PublicKey) -> (String, Int) {
        if let rsa = _RSA.Signing.PublicKey(key) { return ("RSA", rsa.keySizeInBits) }
        if P256.Signing.PublicKey(key) != nil { return ("P-256", 256) }
        if P384.Signing.PublicKey(key) != nil { return ("P-384", 384) }
        if P521.Signing.PublicKey(key) != nil { return ("P-521", 521) }
        if Curve25519.Signing.PublicKey(key) != nil { return ("Ed25519", 256) }
        return ("unknown", 0)
    }
}

/// Checks only that the leaf names the host. It declares the usual critical extensions handled, so a
/// CA-flagged or key-usage-restricted leaf is judged on its names alone.
struct NameOnlyPolicy: VerifierPolicy {
    var identity: ServerIdentityPolicy

    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [
        .X509ExtensionID.basicConstraints, .X509ExtensionID.keyUsage, .X509ExtensionID.extendedKeyUsage,
        .X509ExtensionID.subjectAlternativeName, .X509ExtensionID.nameConstraints,
    ]

    mutating func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        await identity.chainMeetsPolicyRequirements(chain: chain)
    }
}
