import RampartCore

struct SensitiveDataInResponse: AuditRule {
    static let metadata = RuleMetadata(
        id: "sensitive-data-in-response", title: "Response exposes a sensitive property", severity: .high, owasp: .api3, cwe: [213],
        description: "A response schema contains a property that holds a password, secret, private key, card number, CVV or national id. Such values should never leave the server once stored.",
        remediation: "Remove the property from response schemas (keep it `writeOnly` in requests), or return a masked form (last four digits).")

    static let names: Set<String> = ["password", "passwd", "passwordhash", "hashedpassword", "secret", "clientsecret", "secretkey", "privatekey",
                                     "ssn", "socialsecuritynumber", "cardnumber", "creditcardnumber", "pan", "cvv", "cvc", "cvv2", "pin", "pincode", "securitycode"]

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.outputSchemas {
            for (name, property) in schema["properties"]?.entries ?? [] where Self.names.contains(normalized(name)) {
                guard property.node["writeOnly"]?.bool != true else { continue }
                hits.flag(property, "response property '\(name)' holds sensitive data")
            }
        }
    }
}

struct TokenInResponse: AuditRule {
    static let metadata = RuleMetadata(
        id: "token-in-response", title: "Response carries a credential", severity: .low, owasp: .api3, cwe: [200],
        description: "A response schema contains an API key, session id or access/refresh token. Only the endpoint that issues credentials should return them.",
        remediation: "Return credentials only from login/token endpoints; elsewhere return an id or a masked value.")

    static let names: Set<String> = ["apikey", "accesstoken", "refreshtoken", "sessiontoken", "sessionid", "authtoken", "idtoken", "bearertoken"]

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.outputSchemas {
            for (name, property) in schema["properties"]?.entries ?? [] where Self.names.contains(normalized(name)) {
                hits.flag(property, "response property '\(name)' carries a credential", confidence: .tentative)
            }
        }
    }
}

struct UnpaginatedCollection: AuditRule {
    static let metadata = RuleMetadata(
        id: "unpaginated-collection", title: "Collection returned without pagination", severity: .medium, owasp: .api4, cwe: [770],
        description: "A read operation returns a list but takes no limit, page or cursor parameter, so each call returns (and the server builds) the whole collection, which only grows.",
        remediation: "Add a bounded `limit` (or `page`/`pageSize`, `cursor`) parameter with a maximum, and paginate the response.")

    static let pagination = ["limit", "page", "pagesize", "perpage", "offset", "cursor", "size", "top", "first", "last", "max", "count",
                             "startingafter", "endingbefore", "pagetoken", "after", "before", "skip", "take", "from", "maxresults", "continuationtoken"]

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations where op.method == "GET" {
            let paginated = op.parameters.contains { param in
                let name = normalized(param.name)
                return param.location == "query" && (Self.pagination.contains(name) || name.hasSuffix("limit") || name.hasSuffix("page") || name.hasSuffix("pagesize"))
            }
            guard !paginated, let ok = op.responses.first(where: { $0.status.hasPrefix("2") }) else { continue }
            for media in ok.content {
                guard let schema = media.schema.flatMap(api.document.resolve), isCollection(schema, api) else { continue }
                hits.flag(op.cursor, "\(op.label) returns a list and takes no limit or page parameter")
                break
            }
        }
    }

    private func isCollection(_ schema: Cursor, _ api: APIDescription) -> Bool {
        if schema.schemaTypes.contains("array") { return true }
        // Common envelopes: {"data": [...]}, {"items": [...]}, {"results": [...]}
        for key in ["data", "items", "results", "records", "entries", "content"] {
            if let property = schema["properties"]?[key], api.document.resolve(property)?.schemaTypes.contains("array") == true { return true }
        }
        return false
    }
}

struct MissingAuthErrorResponses: AuditRule {
    static let metadata = RuleMetadata(
        id: "missing-auth-error-responses", title: "Secured operation without 401/403 responses", severity: .low, owasp: .api8, cwe: [755],
        description: "An operation that requires authentication does not document 401 (not authenticated), or one that requires scopes does not document 403 (not allowed). Undocumented failure modes are untested ones.",
        remediation: "Document 401 on every secured operation and 403 where scopes or roles are required, with an error schema.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations where op.isAuthenticated && !op.documents("4XX") {
            let place = op.responsesCursor ?? op.cursor
            if !op.documents("401") {
                hits.flag(place, "\(op.label) requires authentication but documents no 401")
            } else if !op.documents("403"), op.security?.alternatives.contains(where: { $0.contains { !$0.scopes.isEmpty } }) == true {
                hits.flag(place, "\(op.label) requires scopes but documents no 403")
            }
        }
    }
}

struct Missing429Response: AuditRule {
    static let metadata = RuleMetadata(
        id: "missing-429-response", title: "No 429 response where rate limiting is expected", severity: .low, owasp: .api4, cwe: [770],
        description: "Authentication endpoints, anonymous operations and operations that change data are the ones attackers hammer; without a documented 429 there is likely no rate limit on them.",
        remediation: "Rate-limit the operation and document the 429 response (with `Retry-After`).")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations where (op.isAuthenticationEndpoint || op.isWrite || !op.isAuthenticated) && !op.documents("429", "4XX") {
            hits.flag(op.responsesCursor ?? op.cursor, "\(op.label) documents no 429 response", confidence: .firm)
        }
    }
}

struct RateLimitHeadersMissing: AuditRule {
    static let metadata = RuleMetadata(
        id: "rate-limit-headers-missing", title: "Rate-limited operation does not declare rate-limit headers", severity: .low, owasp: .api4, cwe: [770],
        description: "The operation documents a 429 but its successful responses declare no rate-limit headers (`RateLimit`, `RateLimit-Limit`, `X-RateLimit-Limit`), so clients cannot pace themselves before they are throttled.",
        remediation: "Return and document the IETF `RateLimit`/`RateLimit-Policy` headers (or `X-RateLimit-*`) on successful responses.")

    static func declaresRateLimit(_ headers: [String]) -> Bool {
        headers.contains { $0.hasPrefix("ratelimit") || $0.hasPrefix("x-ratelimit") || $0.hasPrefix("x-rate-limit") }
    }

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations where op.documents("429") {
            for response in op.responses where response.status.hasPrefix("2") && !Self.declaresRateLimit(response.headers) {
                hits.flag(response.cursor, "\(op.label) \(response.status) declares no rate-limit headers")
            }
        }
    }
}

struct RetryAfterMissing: AuditRule {
    static let metadata = RuleMetadata(
        id: "retry-after-missing", title: "429 response without Retry-After", severity: .low, owasp: .api4, cwe: [770],
        description: "A 429 response that does not say when to retry makes well-behaved clients guess and badly-behaved ones retry at once.",
        remediation: "Declare the `Retry-After` header on 429 responses.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations {
            guard let response = op.response("429"), !response.headers.contains("retry-after") else { continue }
            hits.flag(response.cursor, "\(op.label) 429 does not declare Retry-After")
        }
    }
}

struct NoErrorResponses: AuditRule {
    static let metadata = RuleMetadata(
        id: "no-error-responses", title: "Operation documents no error response", severity: .low, owasp: .api8, cwe: [755],
        description: "The operation documents only successes: no 4xx, 5xx or default response. Error behaviour is then undefined, untested and often leaks internals.",
        remediation: "Document the error responses (at least 400, 401/403 where secured, 404, 429, 500) with a shared error schema.")

    static func isError(_ status: String) -> Bool { status.hasPrefix("4") || status.hasPrefix("5") || status == "DEFAULT" }

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations where !op.responses.contains(where: { Self.isError($0.status) }) {
            hits.flag(op.responsesCursor ?? op.cursor, "\(op.label) documents no error response")
        }
    }
}

struct MissingValidationErrorResponse: AuditRule {
    static let metadata = RuleMetadata(
        id: "missing-validation-error-response", title: "Operation with input documents no 400/422", severity: .low, owasp: .api8, cwe: [20],
        description: "An operation that takes parameters or a body does not document how it rejects invalid input (400 or 422), which suggests it does not validate it.",
        remediation: "Validate input against the schema and document the 400 (or 422) response.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations where op.hasInput && !op.documents("400", "422", "4XX", "DEFAULT") {
            guard op.responses.contains(where: { NoErrorResponses.isError($0.status) }) else { continue }  // no-error-responses covers it
            hits.flag(op.responsesCursor ?? op.cursor, "\(op.label) takes input but documents no 400 or 422")
        }
    }
}

struct Missing500Response: AuditRule {
    static let metadata = RuleMetadata(
        id: "missing-500-response", title: "Operation documents no server error", severity: .info, owasp: .api8, cwe: [209],
        description: "No 500 (or 5XX/default) response is documented, so what the API returns on failure, and whether it leaks stack traces, is unspecified.",
        remediation: "Document a generic 500 response with an error schema that carries a correlation id, not internals.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations where !op.documents("500", "5XX", "DEFAULT") && !op.responses.isEmpty {
            guard op.responses.contains(where: { NoErrorResponses.isError($0.status) }) else { continue }
            hits.flag(op.responsesCursor ?? op.cursor, "\(op.label) documents no 500 response")
        }
    }
}
