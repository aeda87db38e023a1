import RampartCore

struct ServerVersionMismatch: AuditRule {
    static let metadata = RuleMetadata(
        id: "server-version-mismatch", title: "Server URL version differs from the documented version", severity: .low, owasp: .api9, cwe: [1059],
        description: "A server URL names an API version (e.g. /v1) whose major number differs from `info.version`, so the description may document a different version than the one deployed there.",
        remediation: "Keep `info.version` and the version in server URLs in step, or describe each version in its own document.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        guard let declared = api.info?.node["version"]?.scalarText,
              let major = declared.trimmingPrefix("v").split(separator: ".").first.flatMap({ Int($0) }), major < 1000 else { return }
        for server in api.servers {
            for version in versionSegments(in: server.url) where Int(version) != major {
                hits.flag(server.cursor, "server \(server.url) says v\(version) but info.version is \(declared)")
            }
        }
    }
}
