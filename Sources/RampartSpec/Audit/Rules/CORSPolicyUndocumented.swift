import RampartCore

struct CORSPolicyUndocumented: AuditRule {
    static let metadata = RuleMetadata(
        id: "cors-policy-undocumented", title: "No CORS policy documented", severity: .info, owasp: .api8, cwe: [942],
        description: "No response declares `Access-Control-Allow-Origin`, so which browser origins may call the API is unspecified and easily left wide open in configuration.",
        remediation: "Decide which origins may call the API from browsers, enforce it, and document `Access-Control-Allow-Origin` on the responses.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        guard !api.operations.isEmpty,
              !api.operations.contains(where: { $0.responses.contains { $0.headers.contains("access-control-allow-origin") } }) else { return }
        hits.flag(api.document.root["paths"] ?? api.document.root, "no response declares Access-Control-Allow-Origin")
    }
}
