import Foundation
import RampartCore

struct JWTPracticesUndocumented: AuditRule {
    static let metadata = RuleMetadata(
        id: "jwt-practices-undocumented", title: "Token scheme does not state how tokens are validated", severity: .info, owasp: .api2, cwe: [347],
        description: "A JWT bearer, OAuth 2.0 or OpenID Connect scheme does not say that it follows the JWT best current practices (RFC 8725): fixed algorithms, no `alg: none`, audience and issuer checks.",
        remediation: "Validate tokens as RFC 8725 describes and say so in the scheme's `description`.",
        references: ["https://www.rfc-editor.org/rfc/rfc8725"])

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for scheme in api.securitySchemes {
            let usesTokens = scheme.type == "oauth2" || scheme.type == "openIdConnect" || scheme.bearerFormat?.lowercased() == "jwt"
            let description = scheme.cursor.node["description"]?.string?.lowercased().replacingOccurrences(of: " ", with: "") ?? ""
            guard usesTokens, !description.contains("rfc8725") else { continue }
            hits.flag(scheme.cursor, "scheme '\(scheme.name)' does not reference RFC 8725 token validation")
        }
    }
}
