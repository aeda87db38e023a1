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

struct ServerLocalhost: AuditRule {
    static let metadata = RuleMetadata(
        id: "server-localhost", title: "Server points at localhost", severity: .low, owasp: .api9, cwe: [1059],
        description: "A published description lists a loopback server, a leftover from development that makes generated clients and tests call the wrong host.",
        remediation: "List the real deployment URLs; keep local servers in a development-only copy of the description.")

    static func isLoopback(_ host: String?) -> Bool {
        guard let host else { return false }
        return host == "localhost" || host.hasSuffix(".localhost") || host.hasPrefix("127.") || host == "::1" || host == "0.0.0.0"
    }

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for server in api.servers where Self.isLoopback(host(of: server.url)) {
            hits.flag(server.cursor, "server \(server.url) is a loopback address")
        }
    }
}

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

struct ServerNonProduction: AuditRule {
    static let metadata = RuleMetadata(
        id: "server-non-production", title: "Server looks like a non-production environment", severity: .low, owasp: .api9, cwe: [1059],
        description: "A server host name says dev, staging, test, QA, UAT or sandbox. Non-production environments are often less protected, hold copies of real data, and are forgotten when retired.",
        remediation: "Publish production servers only, or keep each environment in its own description with its own owner and lifecycle.")

    static let labels: Set<String> = ["dev", "develop", "development", "staging", "stage", "stg", "test", "testing", "qa", "uat", "sandbox", "preprod", "demo"]

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for server in api.servers {
            guard let host = host(of: server.url) else { continue }
            let words = host.split { $0 == "." || $0 == "-" || $0 == "_" }.map(String.init)
            guard let label = words.first(where: Self.labels.contains) else { continue }
            hits.flag(server.cursor, "server \(server.url) looks like a '\(label)' environment", confidence: .tentative)
        }
    }
}

struct NoServers: AuditRule {
    static let metadata = RuleMetadata(
        id: "no-servers", title: "No servers declared", severity: .low, owasp: .api9, cwe: [1059],
        description: "The description does not say where the API runs (no `servers`, or no `host` in 2.0), so its deployments cannot be inventoried or tested from the description.",
        remediation: "Declare every deployment of the API in `servers` (2.0: `host`, `basePath`, `schemes`).")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        guard api.servers.allSatisfy({ $0.url == "/" || $0.url.isEmpty }) else { return }
        hits.flag(api.document.root["servers"] ?? api.info ?? api.document.root, "no server is declared")
    }
}

struct ServerVariableUnbounded: AuditRule {
    static let metadata = RuleMetadata(
        id: "server-variable-unbounded", title: "Server variable without enum", severity: .low, owasp: .api8, cwe: [20],
        description: "A server URL variable accepts any value, so generated clients and tools can be pointed at arbitrary hosts.",
        remediation: "List the allowed values of each server variable with `enum`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for server in api.servers {
            for (name, variable) in server.variables where variable.node["enum"] == nil {
                hits.flag(variable, "server variable '\(name)' of \(server.url) has no enum")
            }
        }
    }
}

/// `/v2/`, `v2.`, `/2.1/` in a URL or path: the API version it names.
func versionSegments(in text: String) -> [String] {
    text.lowercased().split { $0 == "/" || $0 == "." || $0 == "-" }.compactMap { part in
        guard part.first == "v", part.count > 1, part.dropFirst().allSatisfy(\.isNumber) else { return nil }
        return String(part.dropFirst())
    }
}

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
