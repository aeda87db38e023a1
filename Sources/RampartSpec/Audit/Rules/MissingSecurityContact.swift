import RampartCore

struct MissingSecurityContact: AuditRule {
    static let metadata = RuleMetadata(
        id: "missing-security-contact", title: "No security contact", severity: .info, owasp: .api9, cwe: [1059],
        description: "There is no address to report vulnerabilities to: no `info.contact.email` and no `x-security-contact` extension.",
        remediation: "Add `info.contact.email` or an `x-security-contact` (email or URL), and publish `/.well-known/security.txt`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        guard let info = api.info else { return }
        guard info.node["contact"]?["email"] == nil, info.node["x-security-contact"] == nil,
              api.document.root.node["x-security-contact"] == nil else { return }
        hits.flag(info["contact"] ?? info, "no security contact (contact email or x-security-contact)")
    }
}
