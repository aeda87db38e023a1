import RampartCore

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
