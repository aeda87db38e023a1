import RampartCore

struct OAuthURLInsecure: AuditRule {
    static let metadata = RuleMetadata(
        id: "oauth-url-insecure", title: "OAuth or OpenID Connect URL over plain HTTP", severity: .high, owasp: .api2, cwe: [319],
        description: "An authorization, token, refresh or OpenID Connect discovery URL uses http://, so codes, tokens and client secrets cross the network in clear text.",
        remediation: "Use https:// for every OAuth and OpenID Connect URL.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for scheme in api.securitySchemes {
            var places = scheme.flows.flatMap { flow in
                ["authorizationUrl", "tokenUrl", "refreshUrl"].compactMap { key in flow.cursor[key] }
            }
            if let discovery = scheme.cursor["openIdConnectUrl"] { places.append(discovery) }
            for place in places where place.node.string?.lowercased().hasPrefix("http://") == true {
                hits.flag(place, "scheme '\(scheme.name)' uses \(place.node.string!)")
            }
        }
    }
}
