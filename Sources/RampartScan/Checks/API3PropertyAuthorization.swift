import Foundation
import RampartCore
import RampartHTTP
import RampartSpec

/// Privileged properties, absent from the request schema, sent when creating objects, and kept.
struct MassAssignment: ScanCheck {
    let rule = RuleMetadata(
        id: "mass-assignment", title: "Privileged property accepted from the client (mass assignment)", severity: .high, owasp: .api3, cwe: [915],
        description: "A property the request schema does not offer (a role, a balance, an owner) was sent on create and the API stored it.",
        remediation: "Bind requests to an explicit allow-list of writable properties (a DTO); ignore or reject everything else.")

    /// Property → value to plant; each is recognisable when read back.
    nonisolated(unsafe) static let privileged: [(name: String, value: Any)] = [
        ("role", "admin"), ("isAdmin", true), ("is_admin", true), ("admin", true), ("balance", 1_000_000), ("credit", 1_000_000),
        ("verified", true), ("is_verified", true), ("permissions", ["*"]), ("owner_id", 1),
    ]

    func run(_ scan: ScanContext) async {
        await ownerFields(scan)
        guard let identity = scan.users.first?.identity.name else { return }
        let signups = scan.endpoints.filter { endpoint in
            endpoint.method == "POST" && ["signup", "sign-up", "register"].contains { endpoint.path.lowercased().contains($0) }
        }
        for endpoint in scan.creators + signups where endpoint.takesJSONBody {
            defer { scan.operationDone() }
            guard let schema = endpoint.bodySchema else { continue }
            let declared = Set(schema["properties"]?.entries.map(\.key) ?? [])
            let planted = Self.privileged.filter { !declared.contains($0.name) }
            guard !planted.isEmpty, var body = scan.exampleBody(endpoint, identity: identity).map(Seeder.uniquified) else { continue }
            for property in planted { body[property.name] = property.value }
            let anonymous = endpoint.operation.isAuthenticationEndpoint
            guard let exchange = await scan.send(scan.request(endpoint, identity: identity, body: body), as: anonymous ? nil : identity, endpoint: endpoint),
                  exchange.response.isSuccess else { continue }
            func kept(in stored: [String: Any]?) -> [(name: String, value: Any)] {
                planted.filter { property in stored?[property.name].map { Self.same($0, property.value) } ?? false }
            }
            var proof = exchange, place = "stored"
            var found = kept(in: exchange.response.json as? [String: Any])
            // Stored but not echoed: the object read back tells.
            if found.isEmpty, !anonymous, let object = await Seeder.locate(created: exchange, by: endpoint, sending: body, as: identity, in: scan),
               let (stored, readBack) = await Seeder.readBack(object, as: identity, in: scan) {
                found = kept(in: stored)
                proof = readBack
                place = "stored (read back)"
            }
            guard !found.isEmpty else { continue }
            scan.report(rule, at: endpoint.location(parameter: found[0].name),
                        "\(endpoint.label) \(place) \(found.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")), which the request schema does not offer", proof: proof)
        }
    }

    /// Owner fields the request schema does not offer (`username`, `author`, `owner_id`), set to another identity's
    /// user name. Taken when the object shows up where that user's objects are listed: a read whose path names the
    /// creating user (`/api/post/tim`), asked for the other user (`/api/post/elliot`).
    func ownerFields(_ scan: ScanContext) async {
        let names = scan.users.map { ($0.identity.name, $0.identity.loginName) }
        guard names.count >= 2 else { return }
        for creator in scan.creators where creator.takesJSONBody {
            let declared = Set(creator.bodySchema?["properties"]?.entries.map(\.key) ?? [])
            let fields = ["username", "user", "author", "owner", "user_name"].filter { !declared.contains($0) }
            guard !fields.isEmpty else { continue }
            defer { scan.operationDone() }
            for (identity, user) in names {
                guard let (_, victim) = names.first(where: { $0.1 != user }), var body = scan.exampleBody(creator, identity: identity).map(Seeder.uniquified),
                      let marker = body.values.compactMap({ $0 as? String }).first(where: { $0.contains("rampart-") }) else { continue }
                for field in fields { body[field] = victim }
                guard let exchange = await scan.send(scan.request(creator, identity: identity, body: body), as: identity), exchange.response.isSuccess else { continue }
                for listing in scan.endpoints where listing.method == "GET" && listing.path.split(separator: "/").contains(Substring(user)) {
                    let path = listing.path.split(separator: "/", omittingEmptySubsequences: false).map { $0 == Substring(user) ? victim : String($0) }.joined(separator: "/")
                    guard let read = await scan.send(OutboundRequest(method: "GET", url: scan.url(path), headers: [("Accept", "application/json")]), as: identity),
                          read.response.isSuccess, read.response.text.contains(marker) else { continue }
                    scan.report(rule, at: creator.location(parameter: fields[0]),
                                "\(creator.label) as \(identity) with \(fields.joined(separator: "/"))=\(victim) (not in the request schema) published the object as \(victim): it is listed at \(path)",
                                proof: read)
                    return
                }
                break
            }
        }
    }

    static func same(_ stored: Any, _ planted: Any) -> Bool {
        if let number = stored as? NSNumber, let wanted = planted as? Int { return number.doubleValue == Double(wanted) && !(planted is Bool) }
        if let flag = stored as? Bool, let wanted = planted as? Bool { return flag == wanted && wanted }
        if let text = stored as? String, let wanted = planted as? String { return text == wanted }
        return false
    }
}

/// Secrets and personal data in responses: password hashes, API keys, card numbers.
struct SensitiveDataExposure: ScanCheck {
    let passive = true
    let rule = RuleMetadata(
        id: "sensitive-data-exposure", title: "Response exposes sensitive data", severity: .high, owasp: .api3, cwe: [213, 359],
        description: "A response carried a property that should never leave the server: a password or its hash, a secret, an API key, a card number.",
        remediation: "Serialize responses through explicit view models that list the properties each caller may see.")

    static let sensitiveKeys = ["password", "password_hash", "passwordhash", "hashed_password", "pwd", "secret", "client_secret", "api_key", "apikey",
                                "private_key", "card_number", "cardnumber", "pan", "cvv", "cvc", "ssn", "pin", "otp_secret", "mfa_secret", "refresh_token"]

    func run(_ scan: ScanContext) async {
        for (endpoint, _, exchange) in scan.observed where !endpoint.operation.isAuthenticationEndpoint {
            guard let json = exchange.response.json else { continue }
            let hits = Self.sensitive(in: json, path: "")
            guard let first = hits.first else { continue }
            scan.report(rule, at: endpoint.location(parameter: first), "\(endpoint.label) returns \(hits.prefix(4).joined(separator: ", "))", proof: exchange)
        }
        // Every other answer of the scan (the crawl's, the checks' own), unless an operation above covers it.
        for (hits, exchange) in scan.answers.sensitive {
            let request = exchange.request
            guard request.url.path != scan.graphQL?.path,
                  !scan.observed.contains(where: { $0.endpoint.method == request.method && ScanConfiguration.path(request.url.path, matches: $0.endpoint.path) }) else { continue }
            scan.report(rule, at: Location(of: request), "\(request.method) \(request.url.path) returns \(hits.prefix(4).joined(separator: ", "))", proof: exchange)
        }
        // GraphQL: what each query gave each caller (anonymous callers first: the worst case).
        var reported: Set<String> = []
        for answer in scan.graphQLAnswers.sorted(by: { ($0.identity == nil ? 0 : 1) < ($1.identity == nil ? 0 : 1) }) {
            guard !reported.contains(answer.operation.field.name), let data = answer.data else { continue }
            let hits = Self.sensitive(in: data, path: "")
            guard let first = hits.first else { continue }
            reported.insert(answer.operation.field.name)
            scan.report(rule, at: scan.graphQLLocation("\(answer.operation.kind) \(first)"),
                        "\(answer.operation.label) returns \(hits.prefix(4).joined(separator: ", ")) to \(answer.identity ?? "anyone, without credentials")", proof: answer.exchange)
        }
    }

    static func sensitive(in value: Any, path: String) -> [String] {
        if let object = value as? [String: Any] {
            return object.keys.sorted().flatMap { key -> [String] in
                let normalized = key.lowercased().replacingOccurrences(of: "-", with: "_")
                let here = path.isEmpty ? key : path + "." + key
                if sensitiveKeys.contains(normalized), let text = object[key] as? String, !text.isEmpty { return [here] }
                if let text = object[key] as? String, isCardNumber(text) { return [here] }
                return sensitive(in: object[key] as Any, path: here)
            }
        }
        if let array = value as? [Any] { return array.prefix(20).flatMap { sensitive(in: $0, path: path + "[]") } }
        return []
    }

    /// 13–19 digits passing the Luhn check.
    static func isCardNumber(_ text: String) -> Bool {
        let digits = text.filter { $0 != " " && $0 != "-" }
        guard (13...19).contains(digits.count), digits.allSatisfy(\.isNumber) else { return false }
        let sum = digits.reversed().enumerated().reduce(0) { total, pair in
            let digit = Int(String(pair.element))!
            return total + (pair.offset % 2 == 1 ? (digit * 2 > 9 ? digit * 2 - 9 : digit * 2) : digit)
        }
        return sum % 10 == 0
    }
}

/// Response properties the response schema does not declare.
struct UndeclaredResponseProperties: ScanCheck {
    let passive = true
    let rule = RuleMetadata(
        id: "undeclared-response-property", title: "Response carries properties the description does not declare", severity: .low, owasp: .api3, cwe: [213],
        description: "The API returned properties missing from the response schema: data leaking past what the contract promises.",
        remediation: "Return only declared properties (and declare `additionalProperties: false` on response schemas to catch this in tests).")

    func run(_ scan: ScanContext) async {
        for (endpoint, _, exchange) in scan.observed {
            guard let schema = endpoint.successSchema, let object = exchange.response.json as? [String: Any] else { continue }
            let undeclared = Self.undeclared(object, schema: schema, endpoint: endpoint)
            guard !undeclared.isEmpty else { continue }
            scan.report(rule, at: endpoint.location(), "\(endpoint.label) returned undeclared \(undeclared.sorted().joined(separator: ", "))", proof: exchange)
        }
    }

    static func undeclared(_ object: [String: Any], schema: Cursor, endpoint: Endpoint) -> [String] {
        guard let properties = schema["properties"], schema["additionalProperties"]?.node.bool != true, schema["additionalProperties"]?.node.isObject != true,
              schema["allOf"] == nil, schema["oneOf"] == nil, schema["anyOf"] == nil else { return [] }
        let declared = Set(properties.entries.map(\.key))
        return object.keys.filter { !declared.contains($0) }
    }
}
