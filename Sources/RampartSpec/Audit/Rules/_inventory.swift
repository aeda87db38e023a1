import RampartCore

struct DeprecatedOperation: AuditRule {
    static let metadata = RuleMetadata(
        id: "deprecated-operation", title: "Deprecated operation still published", severity: .low, owasp: .api9, cwe: [477],
        description: "The operation is marked deprecated but still described, and so probably still deployed. Deprecated endpoints miss later security fixes and are forgotten.",
        remediation: "Set a sunset date (`Sunset` header), monitor its use, and remove it from the API and the description when it reaches zero.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations where op.deprecated {
            hits.flag(op.cursor["deprecated"] ?? op.cursor, "\(op.label) is deprecated but still published")
        }
    }
}

struct MultipleAPIVersions: AuditRule {
    static let metadata = RuleMetadata(
        id: "multiple-api-versions", title: "Several API versions in one description", severity: .low, owasp: .api9, cwe: [1059],
        description: "Paths carry different version prefixes (/v1 and /v2), so old versions live on beside new ones in one document, usually with weaker controls.",
        remediation: "Describe each version in its own document with its own lifecycle, and retire old versions.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        let versions = Set(api.operations.compactMap { versionSegments(in: $0.path).first })
        guard versions.count > 1 else { return }
        hits.flag(api.document.root["paths"] ?? api.document.root, "paths use versions \(versions.sorted { $0.count == $1.count ? $0 < $1 : $0.count < $1.count }.map { "v" + $0 }.joined(separator: ", "))")
    }
}

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

struct UnresolvedReference: AuditRule {
    static let metadata = RuleMetadata(
        id: "unresolved-reference", title: "Reference that cannot be resolved", severity: .medium, owasp: .api9, cwe: [1059],
        description: "A `$ref` points at nothing (a missing file, pointer or a loop). Whatever it should describe is unchecked by validators, gateways and this audit.",
        remediation: "Fix the reference; run the audit again to check what it describes.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        // The schema walks resolve lazily; make sure every reachable $ref has been tried.
        _ = api.inputSchemas
        _ = api.outputSchemas
        for broken in api.document.brokenReferences {
            guard let node = api.document.node(file: broken.file, pointer: broken.pointer) else { continue }
            hits.flag(Cursor(node: node, file: broken.file, pointer: broken.pointer), "$ref '\(broken.reference)': \(broken.reason)")
        }
    }
}
