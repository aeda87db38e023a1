import Foundation
import RampartCore
import RampartHTTP

/// Identity B reads an object identity A created.
struct BOLARead: ScanCheck {
    let rule = RuleMetadata(
        id: "bola-read", title: "Another user's object can be read", severity: .critical, owasp: .api1, cwe: [639],
        description: "An object created by one user was returned to a different user who asked for it by id.",
        remediation: "Check on every request that the caller owns (or may see) the object the id names, and answer 404 otherwise.")

    func run(_ scan: ScanContext) async {
        guard scan.users.count >= 2 else { return }
        let owner = scan.users[0].identity.name, intruder = scan.users[1].identity.name
        for object in scan.objects(of: owner) {
            for endpoint in scan.itemEndpoints(of: object.collection) where endpoint.method == "GET" {
                defer { scan.operationDone() }
                guard let exchange = await scan.send(scan.request(endpoint, identity: intruder, object: object), as: intruder, endpoint: endpoint),
                      exchange.response.isSuccess, exchange.response.text.contains(object.id) else { continue }
                scan.report(rule, at: endpoint.location(parameter: endpoint.pathParameters.first),
                            "\(intruder) read \(owner)'s object \(object.id) through \(endpoint.label)", proof: exchange)
            }
        }
    }
}

/// Identity B changes an object identity A created (the object is Rampart's own, so this is safe).
struct BOLAWrite: ScanCheck {
    let rule = RuleMetadata(
        id: "bola-write", title: "Another user's object can be changed", severity: .critical, owasp: .api1, cwe: [639, 284],
        description: "An object created by one user was modified or deleted by a different user.",
        remediation: "Authorize every write against the object's owner, not only the caller's authentication.")

    func run(_ scan: ScanContext) async {
        guard scan.users.count >= 2 else { return }
        let owner = scan.users[0].identity.name, intruder = scan.users[1].identity.name
        for object in scan.objects(of: owner) {
            for endpoint in scan.itemEndpoints(of: object.collection) where ["PUT", "PATCH"].contains(endpoint.method) {
                defer { scan.operationDone() }
                guard let exchange = await scan.send(scan.request(endpoint, identity: owner, object: object), as: intruder, endpoint: endpoint),
                      exchange.response.isSuccess else { continue }
                scan.report(rule, at: endpoint.location(parameter: endpoint.pathParameters.first),
                            "\(intruder) changed \(owner)'s object \(object.id) through \(endpoint.label) (HTTP \(exchange.response.status))", proof: exchange)
            }
        }
    }
}

/// Numeric ids one apart, and another user's object found by counting down from one's own.
struct PredictableIDs: ScanCheck {
    let rule = RuleMetadata(
        id: "predictable-object-ids", title: "Objects can be enumerated by sequential id", severity: .high, owasp: .api1, cwe: [639, 340],
        description: "Object ids are sequential numbers, and counting down from one's own id returned objects belonging to others.",
        remediation: "Authorize every object access; use random identifiers (UUIDv4) so that ids cannot be guessed.")

    func run(_ scan: ScanContext) async {
        guard let prober = scan.users.last?.identity.name else { return }
        let mine = Set(scan.objects(of: prober).map(\.id))
        for object in scan.objects(of: prober) {
            guard let number = Int(object.id), number > 0 else { continue }
            for endpoint in scan.itemEndpoints(of: object.collection) where endpoint.method == "GET" {
                for candidate in stride(from: number - 1, through: max(0, number - 6), by: -1) where !mine.contains(String(candidate)) {
                    let request = scan.request(endpoint, identity: prober, pathValues: [endpoint.pathParameters[0]: String(candidate)])
                    guard let exchange = await scan.send(request, as: prober, endpoint: endpoint), exchange.response.isSuccess,
                          exchange.response.text.contains(String(candidate)) else { continue }
                    scan.report(rule, at: endpoint.location(parameter: endpoint.pathParameters.first),
                                "\(prober)'s own id is \(number); id \(candidate), which \(prober) did not create, was returned by \(endpoint.label)", proof: exchange)
                    break
                }
            }
        }
    }
}
