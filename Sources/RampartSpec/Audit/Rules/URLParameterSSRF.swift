import RampartCore

struct URLParameterSSRF: AuditRule {
    static let metadata = RuleMetadata(
        id: "url-input-ssrf", title: "API accepts a URL it may fetch", severity: .low, owasp: .api7, cwe: [918],
        description: "A parameter or property takes a URL (webhook, callback, image, redirect). If the server fetches it, an attacker can make it reach internal services or cloud metadata (SSRF).",
        remediation: "Validate URLs against an allow-list of schemes and hosts, resolve and refuse private addresses, and fetch from an isolated network.")

    static let names: Set<String> = ["url", "uri", "callbackurl", "callback", "webhookurl", "webhook", "redirecturl", "redirecturi", "imageurl",
                                     "avatarurl", "targeturl", "feedurl", "endpoint", "sourceurl", "fileurl", "href", "returnurl"]

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations {
            for parameter in op.parameters where Self.names.contains(normalized(parameter.name)) {
                hits.flag(parameter.cursor, "\(op.label) takes a URL in '\(parameter.name)'", confidence: .tentative)
            }
        }
        for schema in api.inputSchemas where !schema.isReadOnly {
            for (name, property) in schema["properties"]?.entries ?? [] {
                let format = api.document.resolve(property)?.node["format"]?.string
                guard Self.names.contains(normalized(name)) || format == "uri" || format == "url" else { continue }
                guard property.node["readOnly"]?.bool != true else { continue }
                hits.flag(property, "input property '\(name)' takes a URL", confidence: .tentative)
            }
        }
    }
}
