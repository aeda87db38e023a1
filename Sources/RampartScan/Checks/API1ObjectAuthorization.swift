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
        await knownObjects(scan)
        await GraphQLAccess.reads(scan, anonymous: false) { scan.report(rule, at: $0, $1, proof: $2) }
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

    /// Objects rampart.yml names for an identity (`objects: {invoice: [inv-1001]}`), asked for by every other identity
    /// of no higher level through each read whose path names that kind (`/invoices/{id}`, `{invoiceId}`). Taken when
    /// the answer carries the id and looks like the owner's own.
    func knownObjects(_ scan: ScanContext) async {
        for owner in scan.sessions where !owner.identity.objects.isEmpty {
            let intruders = scan.sessions.filter { $0 !== owner && $0.identity.level <= owner.identity.level }
            for (kind, ids) in owner.identity.objects.sorted(by: { $0.key < $1.key }) {
                for endpoint in scan.endpoints where endpoint.method == "GET" && endpoint.pathParameters.count == 1 && Self.names(endpoint, kind) {
                    let placeholder = endpoint.pathParameters[0]
                    for id in ids.prefix(3) {
                        defer { scan.operationDone() }
                        let request = scan.request(endpoint, identity: owner.identity.name, pathValues: [placeholder: id])
                        guard let genuine = await scan.send(request, as: owner.identity.name), genuine.response.isSuccess else { continue }
                        for intruder in intruders {
                            guard let exchange = await scan.send(request, as: intruder.identity.name, endpoint: endpoint), exchange.response.isSuccess,
                                  exchange.response.text.contains(id), ResponseShape.resembles(exchange.response, genuine.response) else { continue }
                            scan.report(rule, at: endpoint.location(parameter: placeholder),
                                        "\(intruder.identity.name) read \(owner.identity.name)'s \(kind) \(id) through \(endpoint.label)", proof: exchange)
                            break
                        }
                    }
                }
            }
        }
    }

    /// Whether the path addresses objects of `kind`: the segment before its placeholder, or the placeholder, names it.
    static func names(_ endpoint: Endpoint, _ kind: String) -> Bool {
        let segments = endpoint.path.split(separator: "/").map(String.init)
        guard let index = segments.firstIndex(where: { $0.hasPrefix("{") }) else { return false }
        let wanted = ScanContext.stem(of: kind)
        return ScanContext.stem(of: segments[index].trimmingCharacters(in: ["{", "}"])) == wanted || (index > 0 && ScanContext.stem(of: segments[index - 1]) == wanted)
    }
}

/// Identity B changes an object identity A created (the object is Rampart's own, so this is safe).
struct BOLAWrite: ScanCheck {
    let rule = RuleMetadata(
        id: "bola-write", title: "Another user's object can be changed", severity: .critical, owasp: .api1, cwe: [639, 284],
        description: "An object created by one user was modified or deleted by a different user.",
        remediation: "Authorize every write against the object's owner, not only the caller's authentication.")

    func run(_ scan: ScanContext) async {
        await GraphQLAccess.writes(scan) { scan.report(rule, at: $0, $1, proof: $2) }
        guard scan.users.count >= 2 else { return }
        let owner = scan.users[0].identity.name, intruder = scan.users[1].identity.name
        for object in scan.createdObjects(of: owner) {
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
