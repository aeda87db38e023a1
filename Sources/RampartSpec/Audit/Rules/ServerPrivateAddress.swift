import RampartCore

struct ServerPrivateAddress: AuditRule {
    static let metadata = RuleMetadata(
        id: "server-private-address", title: "Server points at a private network address", severity: .medium, owasp: .api9, cwe: [200],
        description: "A server URL names a private (RFC 1918, link-local, unique-local) address or an internal-only domain, disclosing internal network layout and internal deployments.",
        remediation: "Publish only public endpoints; describe internal APIs in a separate, non-public description.")

    static func isPrivate(_ host: String) -> Bool {
        let octets = host.split(separator: ".").compactMap { Int($0) }
        if octets.count == 4 {
            if octets[0] == 10 || (octets[0] == 192 && octets[1] == 168) || (octets[0] == 169 && octets[1] == 254) { return true }
            if octets[0] == 172 && (16...31).contains(octets[1]) { return true }
            return false
        }
        if host.contains(":") { return host.hasPrefix("fc") || host.hasPrefix("fd") || host.hasPrefix("fe80") }
        return [".local", ".internal", ".intranet", ".corp", ".lan", ".home.arpa"].contains { host.hasSuffix($0) }
    }

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for server in api.servers {
            guard let host = host(of: server.url), Self.isPrivate(host) else { continue }
            hits.flag(server.cursor, "server \(server.url) is on a private network")
        }
    }
}
