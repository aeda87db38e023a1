import RampartCore

struct MissingContact: AuditRule {
    static let metadata = RuleMetadata(
        id: "missing-contact", title: "No contact for the API", severity: .low, owasp: .api9, cwe: [1059],
        description: "`info.contact` is missing, so nobody can tell who owns the API: who fixes it, retires it or answers for it.",
        remediation: "Add `info.contact` with the owning team's name, URL and email.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        guard api.info?.node["contact"] == nil else { return }
        hits.flag(api.info ?? api.document.root, "info has no contact")
    }
}
