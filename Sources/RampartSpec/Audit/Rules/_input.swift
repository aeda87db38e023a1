import RampartCore

extension Cursor {
    /// Schemas only read by clients (`readOnly`) are not input, whatever their place.
    var isReadOnly: Bool { node["readOnly"]?.bool == true }
    var restrictsValues: Bool { node["enum"] != nil || node["const"] != nil }
}

struct StringUnbounded: AuditRule {
    static let metadata = RuleMetadata(
        id: "string-unbounded", title: "Input string without maximum length", severity: .medium, owasp: .api4, cwe: [770],
        description: "A string the API accepts has no `maxLength`, `enum`, `pattern` or bounded `format`, so clients may send megabytes where a name was expected: memory, storage and downstream parsers pay for it.",
        remediation: "Give every input string a `maxLength` (or an `enum`, `pattern` or a bounded `format` such as uuid or date-time).")

    static let boundedFormats: Set<String> = ["date", "date-time", "time", "uuid", "email", "ipv4", "ipv6", "int32", "int64", "hostname", "duration"]

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.inputSchemas where schema.schemaTypes.contains("string") && !schema.isReadOnly && !schema.restrictsValues {
            let node = schema.node
            guard node["maxLength"] == nil, node["pattern"] == nil, !Self.boundedFormats.contains(node["format"]?.string ?? "") else { continue }
            hits.flag(schema, "string '\(api.label(of: schema))' has no maxLength")
        }
    }
}

struct StringUnrestricted: AuditRule {
    static let metadata = RuleMetadata(
        id: "string-unrestricted", title: "Input string without format, pattern or enum", severity: .info, owasp: .api8, cwe: [20],
        description: "A bounded input string still accepts any characters. Restricting it (`format`, `pattern`, `enum`) rejects injection payloads at the edge.",
        remediation: "Add a `format`, an anchored `pattern` or an `enum` where the value has a known shape.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.inputSchemas where schema.schemaTypes.contains("string") && !schema.isReadOnly && !schema.restrictsValues {
            let node = schema.node
            guard node["maxLength"] != nil, node["pattern"] == nil, node["format"] == nil else { continue }
            hits.flag(schema, "string '\(api.label(of: schema))' has no format, pattern or enum")
        }
    }
}

struct ArrayUnbounded: AuditRule {
    static let metadata = RuleMetadata(
        id: "array-unbounded", title: "Input array without maximum items", severity: .medium, owasp: .api4, cwe: [770],
        description: "An array the API accepts has no `maxItems`, so one request can carry millions of elements and each one costs work.",
        remediation: "Give every input array a `maxItems`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.inputSchemas where schema.schemaTypes.contains("array") && !schema.isReadOnly && schema.node["maxItems"] == nil {
            hits.flag(schema, "array '\(api.label(of: schema))' has no maxItems")
        }
    }
}

struct NumberUnbounded: AuditRule {
    static let metadata = RuleMetadata(
        id: "number-unbounded", title: "Input number without minimum or maximum", severity: .low, owasp: .api4, cwe: [20],
        description: "A number the API accepts has no lower or upper bound, inviting negative quantities, huge page sizes and overflows.",
        remediation: "Give every input integer and number a `minimum` and a `maximum`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.inputSchemas where !schema.schemaTypes.isDisjoint(with: ["integer", "number"]) && !schema.isReadOnly && !schema.restrictsValues {
            let node = schema.node
            var missing: [String] = []
            if node["minimum"] == nil && node["exclusiveMinimum"].map({ $0.number != nil }) != true { missing.append("minimum") }
            if node["maximum"] == nil && node["exclusiveMaximum"].map({ $0.number != nil }) != true { missing.append("maximum") }
            if !missing.isEmpty { hits.flag(schema, "number '\(api.label(of: schema))' has no \(missing.joined(separator: " or "))") }
        }
    }
}

struct IntegerWithoutFormat: AuditRule {
    static let metadata = RuleMetadata(
        id: "integer-without-format", title: "Input integer without format", severity: .low, owasp: .api4, cwe: [190],
        description: "An input integer does not say whether it is 32 or 64 bits, so clients and servers may disagree and overflow.",
        remediation: "Add `format: int32` or `format: int64`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.inputSchemas where schema.schemaTypes.contains("integer") && !schema.isReadOnly && !schema.restrictsValues && schema.node["format"] == nil {
            hits.flag(schema, "integer '\(api.label(of: schema))' has no format")
        }
    }
}

struct RequestAdditionalProperties: AuditRule {
    static let metadata = RuleMetadata(
        id: "request-additional-properties", title: "Input object accepts undeclared properties", severity: .medium, owasp: .api3, cwe: [915],
        description: "An object the API accepts does not forbid properties it does not declare. Frameworks that bind request bodies to models then let clients set fields they should not (`isAdmin`, `balance`, `ownerId`): mass assignment.",
        remediation: "Set `additionalProperties: false` (3.1 with composition: `unevaluatedProperties: false`) on input objects.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.inputSchemas where schema.node["properties"] != nil && !schema.isReadOnly {
            let extra = schema.node["additionalProperties"], unevaluated = schema.node["unevaluatedProperties"]
            guard extra == nil || extra?.bool == true, unevaluated?.bool != false else { continue }
            hits.flag(schema, "object '\(api.label(of: schema))' accepts properties it does not declare")
        }
    }
}

struct AdditionalPropertiesUnconstrained: AuditRule {
    static let metadata = RuleMetadata(
        id: "additional-properties-unconstrained", title: "Input map without maximum properties", severity: .low, owasp: .api4, cwe: [770],
        description: "An input object is a free-form map (`additionalProperties` is a schema) with no `maxProperties`, so one request can carry any number of keys.",
        remediation: "Add `maxProperties` to free-form input maps.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.inputSchemas where schema.node["additionalProperties"]?.isObject == true && schema.node["maxProperties"] == nil {
            hits.flag(schema, "map '\(api.label(of: schema))' has no maxProperties")
        }
    }
}

struct RequestBodyWithoutSchema: AuditRule {
    static let metadata = RuleMetadata(
        id: "request-body-without-schema", title: "Request body without schema", severity: .medium, owasp: .api8, cwe: [20],
        description: "A request body media type has no schema, so nothing says what the API accepts and nothing can validate it.",
        remediation: "Describe the body with a `schema` for each media type.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations {
            guard let body = op.requestBody else { continue }
            if body.content.isEmpty, api.version != .swagger2 {
                hits.flag(body.cursor, "\(op.label) has a request body with no content")
            }
            for media in body.content where media.schema == nil {
                hits.flag(media.cursor, "\(op.label) accepts \(media.name) without a schema")
                if api.version == .swagger2 { break }
            }
        }
    }
}

struct ParameterWithoutSchema: AuditRule {
    static let metadata = RuleMetadata(
        id: "parameter-without-schema", title: "Parameter without type", severity: .low, owasp: .api8, cwe: [20],
        description: "A parameter declares no schema (3.x) or no type (2.0), so any value is accepted and nothing validates it.",
        remediation: "Give every parameter a `schema` with a `type` (2.0: `type`).")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        var seen: Set<String> = []
        for op in api.operations {
            for parameter in op.parameters {
                let untyped: Bool
                if let schema = parameter.schema {
                    untyped = api.version == .swagger2 && schema.node["type"] == nil && schema.node["$ref"] == nil
                } else {
                    untyped = true
                }
                guard untyped, seen.insert(parameter.cursor.file + parameter.cursor.pointer).inserted else { continue }
                hits.flag(parameter.cursor, "parameter '\(parameter.name)' of \(op.label) has no type")
            }
        }
    }
}

struct RequestSchemaPermissive: AuditRule {
    static let metadata = RuleMetadata(
        id: "request-schema-permissive", title: "Input schema accepts anything", severity: .low, owasp: .api8, cwe: [20],
        description: "An input schema has no type, properties, items, composition or value restriction, so any JSON value passes validation.",
        remediation: "Give the schema a `type` and describe its shape.")

    static let shapeKeys = ["type", "properties", "items", "allOf", "anyOf", "oneOf", "not", "$ref", "enum", "const", "format", "pattern", "additionalProperties", "prefixItems", "patternProperties"]

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.inputSchemas where !Self.shapeKeys.contains(where: { schema.node[$0] != nil }) {
            hits.flag(schema, "schema '\(api.label(of: schema))' accepts any value")
        }
    }
}

struct SequentialIntegerID: AuditRule {
    static let metadata = RuleMetadata(
        id: "sequential-integer-id", title: "Object identified by a sequential integer", severity: .medium, owasp: .api1, cwe: [639],
        description: "A path parameter that identifies an object is an integer. Sequential ids let an attacker enumerate other users' objects by counting, which turns any missing ownership check into a data breach (BOLA).",
        remediation: "Use unguessable identifiers (UUIDs or random ids) and check object ownership on every request.")

    static func isIdentifier(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower == "id" || lower.hasSuffix("id") || lower.hasSuffix("_id") || lower.hasSuffix("ids") || lower.hasSuffix("number")
    }

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        var seen: Set<String> = []
        for op in api.operations {
            for parameter in op.parameters where parameter.location == "path" && Self.isIdentifier(parameter.name) {
                guard let schema = parameter.schema.flatMap(api.document.resolve), schema.schemaTypes.contains("integer"),
                      seen.insert(parameter.cursor.file + parameter.cursor.pointer).inserted else { continue }
                hits.flag(parameter.cursor, "\(op.path) identifies objects by integer '\(parameter.name)'", confidence: .firm)
            }
        }
    }
}

struct PatternUnanchored: AuditRule {
    static let metadata = RuleMetadata(
        id: "pattern-unanchored", title: "Pattern without anchors", severity: .low, owasp: .api8, cwe: [625],
        description: "A `pattern` without `^` and `$` matches anywhere in the value, so `[a-z]+` accepts `abc'; DROP TABLE users`.",
        remediation: "Anchor input patterns: `^[a-z]+$`.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.inputSchemas {
            guard let pattern = schema["pattern"], let text = pattern.node.string, !(text.hasPrefix("^") && text.hasSuffix("$")) else { continue }
            hits.flag(pattern, "pattern '\(text.prefix(60))' is not anchored with ^…$")
        }
    }
}

struct URLParameterSSRF: AuditRule {
    static let metadata = RuleMetadata(
        id: "url-input-ssrf", title: "API accepts a URL it may fetch", severity: .low, owasp: .api7, cwe: [918],
        description: "A parameter or property takes a URL (webhook, callback, image, redirect). If the server fetches it, an attacker can make it reach internal services or cloud metadata (SSRF).",
        remediation: "Validate URLs against an allow-list of schemes and hosts, resolve and refuse private addresses, and fetch from an isolated network.")

    static let names: Set<String> = ["url", "uri", "callbackurl", "callback", "webhookurl", "webhook", "redirecturl", "redirecturi", "imageurl",
                                     "avatarurl", "targeturl", "feedurl", "endpoint", "sourceurl", "fileurl", "href", "returnurl"]

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        var seen: Set<String> = []
        for op in api.operations {
            for parameter in op.parameters where Self.names.contains(normalized(parameter.name)) {
                guard seen.insert(parameter.cursor.file + parameter.cursor.pointer).inserted else { continue }
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
