import RampartCore

struct NoSecuritySchemes: AuditRule {
    static let metadata = RuleMetadata(
        id: "no-security-schemes", title: "No security schemes defined", severity: .high, owasp: .api2, cwe: [306],
        description: "The description defines no security scheme at all, so no operation can declare how callers authenticate. Either the API is entirely public or its authentication is undocumented and untestable.",
        remediation: "Declare the schemes the API accepts under `components.securitySchemes` (2.0: `securityDefinitions`) and require them with a top-level `security` list.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        guard api.securitySchemes.isEmpty, !api.operations.isEmpty else { return }
        let place = api.document.root["components"] ?? api.document.root["info"] ?? api.document.root
        hits.flag(place, "\(api.operations.count) operations and no security scheme")
    }
}

struct UnsecuredWriteOperation: AuditRule {
    static let metadata = RuleMetadata(
        id: "unsecured-write-operation", title: "Operation that changes data needs no authentication", severity: .high, owasp: .api2, cwe: [306],
        description: "A POST, PUT, PATCH or DELETE operation has no security requirement (or `security: []`), so anyone can create, change or delete data through it.",
        remediation: "Require a security scheme on the operation or globally; if it must be anonymous (sign-up, webhooks), protect it otherwise (signatures, rate limits) and mark the intent with `x-rampart-ignore`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations where op.isWrite && !op.isAuthenticated && !op.isAuthenticationEndpoint {
            let explicit = op.ownSecurity?.allowsAnonymous == true
            hits.flag(op.ownSecurity?.cursor ?? op.cursor, explicit ? "\(op.label) opts out of authentication with an empty security requirement" : "\(op.label) changes data and requires no authentication")
        }
    }
}

struct UnsecuredPersonalData: AuditRule {
    static let metadata = RuleMetadata(
        id: "unsecured-personal-data", title: "Personal data returned without authentication", severity: .high, owasp: .api3, cwe: [359],
        description: "An operation that anyone may call returns properties that hold personal data (email, phone, address, date of birth, national ids).",
        remediation: "Require authentication on the operation, or remove the personal properties from its anonymous response.")

    static let personal: Set<String> = ["email", "emailaddress", "phone", "phonenumber", "mobile", "address", "streetaddress", "homeaddress",
                                        "birthdate", "dateofbirth", "dob", "ssn", "socialsecuritynumber", "passport", "passportnumber",
                                        "nationalid", "taxid", "firstname", "lastname", "fullname"]

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations where !op.isWrite && !op.isAuthenticated {
            let exposed = api.responsePropertyNames(of: op).filter { Self.personal.contains(normalized($0)) }.sorted()
            guard !exposed.isEmpty else { continue }
            hits.flag(op.cursor, "\(op.label) needs no authentication and returns \(exposed.prefix(5).joined(separator: ", "))")
        }
    }
}

struct UnsecuredReadOperation: AuditRule {
    static let metadata = RuleMetadata(
        id: "unsecured-read-operation", title: "Read operation needs no authentication", severity: .low, owasp: .api2, cwe: [306],
        description: "The API defines security schemes but this read operation requires none. Public endpoints exist on purpose; this rule asks you to confirm each.",
        remediation: "Require a security scheme, or mark the operation as intentionally public with `x-rampart-ignore: [unsecured-read-operation]`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        guard !api.securitySchemes.isEmpty else { return }
        for op in api.operations where !op.isWrite && !op.isAuthenticated && !op.isAuthenticationEndpoint {
            guard api.responsePropertyNames(of: op).allSatisfy({ !UnsecuredPersonalData.personal.contains(normalized($0)) }) else { continue }
            hits.flag(op.ownSecurity?.cursor ?? op.cursor, "\(op.label) requires no authentication", confidence: .tentative)
        }
    }
}

struct SecurityOptOut: AuditRule {
    static let metadata = RuleMetadata(
        id: "security-opt-out", title: "Operation opts out of the global security requirement", severity: .medium, owasp: .api2, cwe: [287],
        description: "The API requires authentication globally, but this read operation overrides it with `security: []` or an empty `{}` alternative, making it anonymous.",
        remediation: "Remove the override, or document why the operation is public and silence the rule for it with `x-rampart-ignore`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        guard let global = api.globalSecurity, !global.allowsAnonymous else { return }
        for op in api.operations where !op.isWrite && !op.isAuthenticationEndpoint {
            guard let own = op.ownSecurity, own.allowsAnonymous else { continue }
            hits.flag(own.cursor, "\(op.label) overrides the global security requirement with anonymous access")
        }
    }
}

struct HTTPBasicAuth: AuditRule {
    static let metadata = RuleMetadata(
        id: "http-basic-auth", title: "HTTP Basic authentication", severity: .medium, owasp: .api2, cwe: [522],
        description: "HTTP Basic sends the reusable password with every request, base64-encoded, and offers no expiry, scoping or revocation short of changing the password.",
        remediation: "Use short-lived tokens (OAuth 2.0 / OpenID Connect bearer tokens) or at least scoped, revocable API keys.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for scheme in api.securitySchemes where scheme.type == "http" && scheme.scheme == "basic" {
            hits.flag(scheme.cursor, "security scheme '\(scheme.name)' uses HTTP Basic")
        }
    }
}

struct InsecureHTTPAuthScheme: AuditRule {
    static let metadata = RuleMetadata(
        id: "insecure-http-auth-scheme", title: "Weak HTTP authentication scheme", severity: .medium, owasp: .api2, cwe: [327],
        description: "Digest (MD5), Negotiate/NTLM and OAuth 1.0 HTTP schemes rely on weak or deprecated cryptography.",
        remediation: "Use bearer tokens from OAuth 2.0 / OpenID Connect, or mutual TLS.")

    static let weak: Set<String> = ["digest", "negotiate", "ntlm", "oauth"]

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for scheme in api.securitySchemes where scheme.type == "http" && Self.weak.contains(scheme.scheme ?? "") {
            hits.flag(scheme.cursor, "security scheme '\(scheme.name)' uses the weak HTTP '\(scheme.scheme!)' scheme")
        }
    }
}

struct APIKeyInQuery: AuditRule {
    static let metadata = RuleMetadata(
        id: "api-key-in-query", title: "API key sent in the query string", severity: .high, owasp: .api2, cwe: [598],
        description: "Query strings end up in server and proxy logs, browser history and Referer headers, so a key sent there leaks.",
        remediation: "Send the key in a request header (`in: header`), e.g. `Authorization` or `X-API-Key`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for scheme in api.securitySchemes where scheme.type == "apiKey" && scheme.location == "query" {
            hits.flag(scheme.cursor, "API key scheme '\(scheme.name)' is sent in the query string")
        }
    }
}

struct APIKeyInCookie: AuditRule {
    static let metadata = RuleMetadata(
        id: "api-key-in-cookie", title: "API key sent in a cookie", severity: .medium, owasp: .api2, cwe: [352],
        description: "Browsers attach cookies automatically, so cookie-borne credentials make every state-changing operation a cross-site request forgery target.",
        remediation: "Send the key in a request header; if cookies are required, use SameSite=Strict cookies and anti-CSRF tokens.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for scheme in api.securitySchemes where scheme.type == "apiKey" && scheme.location == "cookie" {
            hits.flag(scheme.cursor, "API key scheme '\(scheme.name)' is sent in a cookie")
        }
    }
}

struct CredentialsInURL: AuditRule {
    static let metadata = RuleMetadata(
        id: "credentials-in-url", title: "Credentials passed in the URL", severity: .high, owasp: .api2, cwe: [598],
        description: "A path or query parameter carries a password, secret, token or key. URLs are logged by servers and proxies and kept in browser history.",
        remediation: "Move the credential to a header (Authorization) or the request body.")

    static let credentialSuffixes = ["password", "passwd", "secret", "apikey", "accesstoken", "refreshtoken", "idtoken", "authtoken", "sessionid", "privatekey", "token"]
    /// Pagination and sync "tokens" are cursors, not credentials.
    static let cursorWords = ["page", "continuation", "sync", "next", "cursor", "csrf"]

    static func isCredential(_ name: String) -> Bool {
        let name = normalized(name)
        return credentialSuffixes.contains { name.hasSuffix($0) } && !cursorWords.contains { name.contains($0) }
    }

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        var seen: Set<String> = []
        for op in api.operations {
            for parameter in op.parameters where ["query", "path"].contains(parameter.location) && Self.isCredential(parameter.name) {
                guard seen.insert(parameter.cursor.file + parameter.cursor.pointer).inserted else { continue }
                hits.flag(parameter.cursor, "\(op.label) takes '\(parameter.name)' in the \(parameter.location)")
            }
        }
    }
}

struct OAuth2ImplicitFlow: AuditRule {
    static let metadata = RuleMetadata(
        id: "oauth2-implicit-flow", title: "OAuth 2.0 implicit flow", severity: .high, owasp: .api2, cwe: [522],
        description: "The implicit flow returns access tokens in the URL fragment, where they leak through history, referrers and injected scripts. The OAuth 2.0 Security Best Current Practice (RFC 9700) says it should not be used.",
        remediation: "Use the authorization code flow with PKCE.",
        references: ["https://www.rfc-editor.org/rfc/rfc9700"])

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for scheme in api.securitySchemes {
            for flow in scheme.flows where flow.kind == "implicit" {
                hits.flag(flow.cursor, "OAuth2 scheme '\(scheme.name)' offers the implicit flow")
            }
        }
    }
}

struct OAuth2PasswordFlow: AuditRule {
    static let metadata = RuleMetadata(
        id: "oauth2-password-flow", title: "OAuth 2.0 resource owner password flow", severity: .high, owasp: .api2, cwe: [522],
        description: "The password grant hands the user's password to the client application, defeating the point of OAuth. RFC 9700 says it must not be used.",
        remediation: "Use the authorization code flow with PKCE (or client credentials for machine clients).",
        references: ["https://www.rfc-editor.org/rfc/rfc9700"])

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for scheme in api.securitySchemes {
            for flow in scheme.flows where flow.kind == "password" {
                hits.flag(flow.cursor, "OAuth2 scheme '\(scheme.name)' offers the password flow")
            }
        }
    }
}

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

struct OAuth2NoRefreshURL: AuditRule {
    static let metadata = RuleMetadata(
        id: "oauth2-no-refresh-url", title: "OAuth 2.0 flow without refresh URL", severity: .low, owasp: .api2, cwe: [613],
        description: "Short-lived access tokens limit the damage of a leaked token; they need refresh tokens, and a flow without `refreshUrl` suggests long-lived access tokens.",
        remediation: "Issue short-lived access tokens with refresh tokens and declare the flow's `refreshUrl`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        guard api.version != .swagger2 else { return }
        for scheme in api.securitySchemes {
            for flow in scheme.flows where flow.kind == "authorizationCode" && flow.cursor.node["refreshUrl"] == nil {
                hits.flag(flow.cursor, "OAuth2 scheme '\(scheme.name)' flow '\(flow.kind)' declares no refreshUrl")
            }
        }
    }
}

struct BearerWithoutFormat: AuditRule {
    static let metadata = RuleMetadata(
        id: "bearer-without-format", title: "Bearer scheme without token format", severity: .low, owasp: .api2, cwe: [287],
        description: "A bearer scheme that does not say what the token is (`bearerFormat`, e.g. JWT) leaves clients, gateways and testers guessing how it is validated.",
        remediation: "Add `bearerFormat` (e.g. `JWT`) and describe how tokens are issued, validated and expired.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for scheme in api.securitySchemes where scheme.type == "http" && scheme.scheme == "bearer" && scheme.bearerFormat == nil {
            hits.flag(scheme.cursor, "bearer scheme '\(scheme.name)' has no bearerFormat")
        }
    }
}

struct UndefinedSecurityScheme: AuditRule {
    static let metadata = RuleMetadata(
        id: "undefined-security-scheme", title: "Security requirement names an undefined scheme", severity: .medium, owasp: .api2, cwe: [287],
        description: "A `security` requirement names a scheme that is not defined, so tools and gateways cannot enforce it and may treat the operation as unprotected.",
        remediation: "Define the scheme under `components.securitySchemes` (2.0: `securityDefinitions`) or fix the name.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        let defined = Set(api.securitySchemes.map(\.name))
        var requirements = api.operations.compactMap(\.ownSecurity)
        if let global = api.globalSecurity { requirements.insert(global, at: 0) }
        for requirement in requirements {
            let unknown = Set(requirement.alternatives.flatMap { $0.map(\.scheme) }).subtracting(defined).sorted()
            if !unknown.isEmpty { hits.flag(requirement.cursor, "undefined security scheme \(unknown.joined(separator: ", "))") }
        }
    }
}

struct UndefinedOAuthScope: AuditRule {
    static let metadata = RuleMetadata(
        id: "undefined-oauth-scope", title: "Security requirement uses an undeclared OAuth scope", severity: .low, owasp: .api5, cwe: [285],
        description: "An operation requires an OAuth scope that none of the scheme's flows declares, so no token can carry it, or authorization is checked against a name nobody issues.",
        remediation: "Declare the scope in the scheme's flows, or correct the requirement.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        var requirements = api.operations.compactMap(\.ownSecurity)
        if let global = api.globalSecurity { requirements.insert(global, at: 0) }
        for requirement in requirements {
            for alternative in requirement.alternatives {
                for (name, scopes) in alternative {
                    guard let scheme = api.scheme(named: name), scheme.type == "oauth2", !scheme.flows.isEmpty else { continue }
                    let declared = Set(scheme.flows.flatMap(\.scopes))
                    let missing = scopes.filter { !declared.contains($0) }
                    if !missing.isEmpty { hits.flag(requirement.cursor, "scheme '\(name)' declares no scope \(missing.joined(separator: ", "))") }
                }
            }
        }
    }
}
