import Foundation
import RampartCore
import RampartHTTP

/// Staff-only operations (admin tag, path or scope) called by an ordinary user.
struct AdminOperationReachable: ScanCheck {
    let rule = RuleMetadata(
        id: "bfla-admin-operation", title: "Administrative operation reachable by a regular user", severity: .high, owasp: .api5, cwe: [285],
        description: "An operation the description reserves for administrators answered 2xx to an identity without the admin role.",
        remediation: "Check the caller's role or scope for every administrative operation, deny by default, and keep admin APIs on a separate route or host.")

    func run(_ scan: ScanContext) async {
        guard let user = scan.users.first?.identity.name else { return }
        for endpoint in scan.endpoints where endpoint.isAdminOnly && (endpoint.method == "GET" || scan.options.allowDestructive) {
            defer { scan.operationDone() }
            guard let exchange = await scan.send(scan.request(endpoint, identity: user), as: user, endpoint: endpoint), exchange.response.isSuccess else { continue }
            scan.report(rule, at: endpoint.location(), "\(user) (role \(scan.users[0].identity.role)) called \(endpoint.label) and got \(exchange.response.status)", proof: exchange)
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
    }
}
