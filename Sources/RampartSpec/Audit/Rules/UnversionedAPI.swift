import RampartCore

struct UnversionedAPI: AuditRule {
    static let metadata = RuleMetadata(
        id: "unversioned-api", title: "No API version in servers or paths", severity: .info, owasp: .api9, cwe: [1059],
        description: "Neither the server URLs nor the paths carry a version, so old and new versions cannot run side by side and retired versions are hard to find and switch off.",
        remediation: "Version the API in its base path (`/v1`) or host, and retire old versions deliberately.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        guard !api.operations.isEmpty else { return }
        let versioned = api.servers.contains { !versionSegments(in: $0.url).isEmpty }
            || api.operations.contains { !versionSegments(in: $0.path).isEmpty }
        if !versioned { hits.flag(api.document.root["servers"] ?? api.info ?? api.document.root, "no version in any server URL or path") }
    }
}
