import Foundation
import RampartCore
import RampartHTTP

/// Staff-only operations (admin tag, path or scope) called by an ordinary user.
struct AdminOperationReachable: ScanCheck {
    let rule = RuleMetadata(
        id: "bfla-admin-operation", title: "Privileged operation reachable by a lower role", severity: .high, owasp: .api5, cwe: [285],
        description: "An operation the description reserves for administrators, or rampart.yml for some roles (`only:`), answered 2xx to an identity of a lower level (or to no identity), like it answers the roles allowed.",
        remediation: "Check the caller's role or scope for every privileged operation, deny by default, and keep admin APIs on a separate route or host.")

    func run(_ scan: ScanContext) async {
        await GraphQLAccess.privileged(scan) { scan.report(rule, at: $0, $1, proof: $2) }
        for endpoint in scan.endpoints {
            // Reads, and creates on a collection (as seeding does); changes to existing objects only when allowed.
            guard let roles = scan.allowedRoles(for: endpoint),
                  endpoint.method == "GET" || (endpoint.method == "POST" && endpoint.pathParameters.isEmpty) || scan.options.allowDestructive else { continue }
            defer { scan.operationDone() }
            let allowed = scan.sessions.filter { roles.contains($0.identity.role) }.sorted { $0.identity.level < $1.identity.level }
            let bar = allowed.first?.identity.level ?? Int.max
            var genuine: Exchange?
            if let caller = allowed.first?.identity.name { genuine = await scan.send(scan.request(endpoint, identity: caller), as: caller) }
            // Every lower level, least privileged first, then no identity at all.
            let callers: [Session?] = scan.sessions.filter { !roles.contains($0.identity.role) && $0.identity.level < bar }.sorted { $0.identity.level < $1.identity.level } + [nil]
            for caller in callers {
                let name = caller?.identity.name
                guard let exchange = await scan.send(scan.request(endpoint, identity: name), as: name, endpoint: endpoint), exchange.response.isSuccess else { continue }
                // An error answered with 2xx is no access: with a genuine answer to compare, it must look alike.
                if let genuine, genuine.response.isSuccess, !ResponseShape.resembles(exchange.response, genuine.response) { continue }
                let who = caller.map { "\($0.identity.name) (role \($0.identity.role), level \($0.identity.level))" } ?? "a request without credentials"
                scan.report(rule, at: endpoint.location(), "\(who) called \(endpoint.label), which only \(roles.joined(separator: ", ")) may call, and got \(exchange.response.status)",
                            proof: exchange)
                break
            }
        }
    }
}

/// Methods a path does not document, tried on an object Rampart creates for the purpose.
struct UndocumentedMethod: ScanCheck {
    let rule = RuleMetadata(
        id: "undocumented-method", title: "Undocumented method works", severity: .high, owasp: .api5, cwe: [285, 749],
        description: "A method the description does not list for this path (often an internal or staff function) worked for a regular user.",
        remediation: "Route only the documented methods (405 for the rest) and authorize every handler by role.")

    func run(_ scan: ScanContext) async {
        guard let user = scan.users.first?.identity.name else { return }
        for creator in scan.creators {
            let items = scan.itemEndpoints(of: creator.path)
            guard let template = items.first?.path else { continue }
            let documented = Set(items.map(\.method))
            for method in ["DELETE", "PUT", "PATCH"] where !documented.contains(method) {
                defer { scan.operationDone() }
                // A fresh object of our own, so that nothing anyone needs can be harmed.
                guard let object = await Seeder.create(creator, as: user, in: scan, remember: false) else { continue }
                let path = template.replacingOccurrences(of: "{\(Endpoint.placeholders(in: template)[0])}", with: object.id)
                var request = OutboundRequest(method: method, url: scan.url(path), headers: [("Accept", "application/json")])
                if method != "DELETE" { request = OutboundRequest(method: method, url: request.url, headers: request.headers, json: object.body) }
                guard let exchange = await scan.send(request, as: user), exchange.response.isSuccess else { continue }
                if method == "DELETE" {
                    // Confirm: the object is really gone.
                    guard let check = await scan.send(OutboundRequest(method: "GET", url: scan.url(path)), as: user), check.response.status == 404 || check.response.status == 410 else { continue }
                }
                scan.report(rule, at: Location(method: method, path: template), "\(method) \(template) is not documented but answered \(exchange.response.status) to \(user)\(method == "DELETE" ? " and deleted the object" : "")", proof: exchange)
            }
        }
        await undocumentedListings(scan, as: user)
    }

    /// A `GET` on a collection the description only lets clients `POST` to: answering with a list of objects, it hands
    /// out what the API never meant to list (every user, every order).
    func undocumentedListings(_ scan: ScanContext, as user: String) async {
        let documented = Set(scan.endpoints.filter { $0.method == "GET" }.map(\.path))
        for creator in scan.creators where !creator.isCrawled && !documented.contains(creator.path) {
            defer { scan.operationDone() }
            let request = OutboundRequest(method: "GET", url: scan.url(creator.path), headers: [("Accept", "application/json")])
            guard let exchange = await scan.send(request, as: user), exchange.response.isSuccess, let json = exchange.response.json else { continue }
            let listed = Seeder.elements(of: json)
            guard listed.contains(where: { Seeder.identifier(in: $0) != nil }) else { continue }
            scan.report(rule, at: Location(method: "GET", path: creator.path),
                        "GET \(creator.path) is not documented (only POST is) but listed \(listed.count) objects to \(user)", proof: exchange)
        }
    }
}

/// Access decided by headers the client controls: a refused page opened by `Host: localhost`, `X-Forwarded-For:
/// 127.0.0.1` or `X-Role: admin`, where the same header with an ordinary value is still refused.
struct PrivilegedHeaderBypass: ScanCheck {
    let rule = RuleMetadata(
        id: "privileged-header-bypass", title: "Access granted by a client-controlled header", severity: .high, owasp: .api5, cwe: [290, 807],
        description: "A page refused to the scan was served when a request header claimed a local origin or a role (Host: localhost, X-Forwarded-For: 127.0.0.1, X-Role: admin); the same header with an ordinary value was still refused.",
        remediation: "Decide access from the authenticated identity, never from Host, X-Forwarded-* or role headers a client can set; let the gateway strip them.")
    /// Each privileged value with an ordinary one of the same header, which must still be refused.
    static let headers = [("Host", "localhost", "rampart-control.invalid"), ("Host", "127.0.0.1", "rampart-control.invalid"),
                          ("X-Forwarded-For", "127.0.0.1", "203.0.113.7"), ("X-Real-IP", "127.0.0.1", "203.0.113.7"),
                          ("X-Forwarded-Host", "localhost", "rampart-control.invalid"), ("X-Admin", "true", "false"), ("X-Role", "admin", "user")]
    /// Words of a page that refuses ("available for local users only") while answering 200.
    static let refusalPhrases = ["not allowed", "forbidden", "access denied", "permission denied", "unauthori", "not authori", "users only",
                                 "admins only", "administrators only", "only for", "please log in", "login required", "must be logged in", "sign in to"]

    func run(_ scan: ScanContext) async {
        let gets = scan.endpoints.filter { $0.method == "GET" && $0.pathParameters.isEmpty }.prefix(20)
        for endpoint in gets {
            defer { scan.operationDone() }
            let request = scan.request(endpoint, identity: nil)
            guard let baseline = await scan.send(request, as: nil), let refusal = Self.refusal(baseline.response) else { continue }
            for (name, privileged, ordinary) in Self.headers {
                func send(_ value: String) async -> Exchange? {
                    var request = request
                    request.setHeader(name, value)
                    return await scan.send(request, as: nil)
                }
                guard let opened = await send(privileged), opened.response.isSuccess, Self.refusal(opened.response) == nil,
                      ResponseShape.similarity(opened.response.text, baseline.response.text) < 0.9,
                      let control = await send(ordinary), Self.refusal(control.response) != nil,
                      let again = await send(privileged), again.response.status == opened.response.status,
                      ResponseShape.similarity(again.response.text, opened.response.text) >= 0.9 else { continue }
                scan.report(rule, at: endpoint.location(parameter: name),
                            "\(endpoint.label) refused the scan (\(refusal)) and was served with \(name): \(privileged); \(name): \(ordinary) is still refused",
                            proof: opened)
                break
            }
        }
    }

    /// Why an answer is a refusal: 401/403, a redirect, or a refusal phrase in a 2xx page; nil when it serves.
    static func refusal(_ response: ReceivedResponse) -> String? {
        if [401, 403].contains(response.status) || response.isRedirect { return "\(response.status)" }
        guard response.isSuccess else { return nil }
        let text = response.text.lowercased()
        return refusalPhrases.first { text.contains($0) }.map { "200 saying \"…\($0)…\"" }
    }
}
