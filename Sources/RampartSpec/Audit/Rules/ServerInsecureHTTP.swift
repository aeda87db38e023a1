import RampartCore

struct ServerInsecureHTTP: AuditRule {
    static let metadata = RuleMetadata(
        id: "server-insecure-http", title: "Server reachable over plain HTTP", severity: .high, owasp: .api8, cwe: [319],
        description: "A server URL (or a Swagger `schemes` entry) uses http:// or ws://, so credentials and data cross the network unencrypted and can be altered in transit.",
        remediation: "Serve the API over https:// only, redirect or refuse plain HTTP, and remove http from `servers`/`schemes`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for server in api.servers {
            let url = server.url.lowercased()
            guard url.hasPrefix("http://") || url.hasPrefix("ws://"), !ServerLocalhost.isLoopback(host(of: url)) else { continue }
            hits.flag(server.cursor, "server \(server.url) is not encrypted")
        }
    }
}
