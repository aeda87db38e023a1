import NIOSSL
import SwiftASN1
import X509

/// The identity in a client certificate that the listener's TLS handshake has verified against its CA
/// bundle: the subject alternative names (DNS, e-mail, URI) and the subject's common name.
struct ClientCertificate: Sendable, Equatable {
    var distinguishedName: String
    var commonName: String?
    var alternativeNames: [String]

    init?(_ certificate: NIOSSLCertificate) {
        guard let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der) else { return nil }
        distinguishedName = parsed.subject.description
        commonName = parsed.subject.flatMap { $0 }.first { $0.type == .RDNAttributeType.commonName }.map { String(describing: $0.value) }
        alternativeNames = ((try? parsed.extensions.subjectAlternativeNames) ?? nil).map { names in
            names.compactMap { name in
                switch name {
                case .dnsName(let value), .rfc822Name(let value), .uniformResourceIdentifier(let value): value
                default: nil
                }
            }
        } ?? []
    }

    /// The principal of an `mtls` authenticator: named by the first alternative name, or else the common name.
    func principal(authenticator: String) -> Principal {
        let subject = alternativeNames.first ?? commonName ?? distinguishedName
        var claims = ["sub": subject, "dn": distinguishedName]
        if let commonName { claims["cn"] = commonName }
        return Principal(authenticator: authenticator, subject: subject, roles: [], scopes: [], claims: claims)
    }
}
