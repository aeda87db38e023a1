import Foundation
import RampartHTTP

/// Creates one object per creating endpoint as each user identity, so that checks have objects whose owner they know.
/// Values that should be unique (names, titles, texts) are made unique, examples giving only their shape: a name
/// taken from an example usually exists already, and a unique value finds the object again in a list.
enum Seeder {
    static func seed(_ scan: ScanContext) async {
        // Parents first: /accounts before /accounts/{id}/cards, so children can name their parent.
        for creator in scan.creators.sorted(by: { $0.path.count < $1.path.count }) {
            for session in scan.users {
                await create(creator, as: session.identity.name, in: scan)
            }
        }
        await harvest(scan)
    }

    /// Objects that existed before the scan: each user identity reads the lists that have an item read
    /// (`GET /orders` next to `GET /orders/{id}`); what one identity's list holds and another's lacks is the first
    /// one's. At most three per list and identity, kept for reads only.
    static func harvest(_ scan: ScanContext) async {
        let users = scan.users.prefix(2).map(\.identity.name)
        guard users.count == 2 else { return }
        for list in scan.endpoints where list.method == "GET" && list.pathParameters.isEmpty
            && scan.itemEndpoints(of: list.path).contains(where: { $0.method == "GET" }) {
            var seen: [String: [(id: String, object: [String: Any])]] = [:]
            for user in users {
                guard let exchange = await scan.send(scan.request(list, identity: user), as: user), exchange.response.isSuccess,
                      let json = exchange.response.json else { continue }
                seen[user] = elements(of: json).compactMap { element in identifier(in: element).map { ($0, element) } }
            }
            for (user, other) in [(users[0], users[1]), (users[1], users[0])] {
                let others = Set((seen[other] ?? []).map(\.id)), known = Set(scan.objects.map(\.id))
                for (id, object) in (seen[user] ?? []).filter({ !others.contains($0.id) && !known.contains($0.id) }).prefix(3) {
                    scan.remember(CreatedObject(identity: user, collection: list.path, id: id, body: object, harvested: true))
                }
            }
        }
    }

    /// Creates one object; returns it when its id could be learnt: from the answer, its `Location`, or the collection's
    /// list read afterwards. `remember: false` keeps a throwaway object (one a check will delete) out of the objects
    /// other checks build on.
    @discardableResult
    static func create(_ creator: Endpoint, as identity: String, in scan: ScanContext, body: Any? = nil, remember: Bool = true) async -> CreatedObject? {
        let sent = body ?? scan.exampleBody(creator, identity: identity).map(uniquified)
        let request = scan.request(creator, identity: identity, body: sent)
        guard let exchange = await scan.send(request, as: identity, endpoint: creator), exchange.response.isSuccess else { return nil }
        guard var created = await locate(created: exchange, by: creator, sending: sent, as: identity, in: scan) else { return nil }
        // As stored, not as echoed: what the API kept is what the checks compare against.
        if let (stored, _) = await readBack(created, as: identity, in: scan) { created.body = stored }
        if remember { scan.remember(created) }
        return created
    }

    /// The object a successful create made: its id from the answer, its `Location`, or the collection's list.
    static func locate(created exchange: Exchange, by creator: Endpoint, sending sent: Any?, as identity: String, in scan: ScanContext) async -> CreatedObject? {
        let answer = exchange.response.json as? [String: Any]
        if let answer, let id = identifier(in: answer) {
            return CreatedObject(identity: identity, collection: creator.path, id: id, body: answer)
        }
        if let location = exchange.response.header("Location"), let id = location.split(separator: "/").last.map(String.init), !id.isEmpty {
            return CreatedObject(identity: identity, collection: creator.path, id: id, body: answer ?? [:])
        }
        guard let sent = sent as? [String: Any], let found = await findInList(creator.path, sending: sent, as: identity, in: scan) else { return nil }
        return CreatedObject(identity: identity, collection: creator.path, id: found.id, body: found.object)
    }

    /// Field names whose values are usually unique per object or account.
    static let uniqueNames = ["name", "login", "title", "slug", "handle", "nickname", "label", "text", "comment", "content",
                              "message", "body", "description", "subject", "note"]

    /// `body` with every string of a unique-looking field given a unique suffix (`hello` → `hello-rampart-1a2b3c`).
    static func uniquified(_ body: [String: Any]) -> [String: Any] {
        body.reduce(into: [:]) { result, entry in
            if let text = entry.value as? String, !text.contains("rampart-"), isUniqueLooking(entry.key) {
                result[entry.key] = text + "-rampart-" + UUID().uuidString.prefix(6).lowercased()
            } else {
                result[entry.key] = entry.value
            }
        }
    }

    /// `userName`, `post_title`, `text`: a name ending in one of `uniqueNames`.
    static func isUniqueLooking(_ field: String) -> Bool {
        let words = field.lowercased().split { !$0.isLetter }
        return words.contains { word in uniqueNames.contains { word.hasSuffix($0) } }
    }

    /// The object just created, found in the collection's list by the unique values sent.
    static func findInList(_ collection: String, sending sent: [String: Any], as identity: String, in scan: ScanContext) async -> (id: String, object: [String: Any])? {
        let markers = sent.values.compactMap { $0 as? String }.filter { $0.contains("rampart-") }
        guard !markers.isEmpty, let list = await scan.send(OutboundRequest(method: "GET", url: scan.url(collection), headers: [("Accept", "application/json")]), as: identity),
              list.response.isSuccess, let json = list.response.json else { return nil }
        for element in elements(of: json) {
            let values = element.values.compactMap { $0 as? String }
            if markers.allSatisfy(values.contains), let id = identifier(in: element) { return (id, element) }
        }
        return nil
    }

    /// The objects of a list answer: a top-level array, or the arrays an envelope holds (`{"comments": […]}`).
    static func elements(of json: Any) -> [[String: Any]] {
        if let array = json as? [Any] { return array.compactMap { $0 as? [String: Any] } }
        guard let object = json as? [String: Any] else { return [] }
        return object.values.flatMap { ($0 as? [Any])?.compactMap { $0 as? [String: Any] } ?? [] }
    }

    static func identifier(in object: [String: Any]) -> String? {
        for key in ["id", "uuid", "_id", "ID", "Id"] {
            if let value = object[key] as? String { return value }
            if let value = object[key] as? NSNumber { return value.stringValue }
        }
        return nil
    }

    /// The object as the API now stores it, and the answer it came in: its item endpoint's answer, or its element of
    /// the collection's list.
    static func readBack(_ object: CreatedObject, as identity: String?, in scan: ScanContext) async -> ([String: Any], Exchange)? {
        if let item = scan.itemEndpoints(of: object.collection).first(where: { $0.method == "GET" }) {
            guard let exchange = await scan.send(scan.request(item, identity: identity, object: object), as: identity), exchange.response.isSuccess,
                  let stored = exchange.response.json as? [String: Any] else { return nil }
            return (stored, exchange)
        }
        guard let list = await scan.send(OutboundRequest(method: "GET", url: scan.url(object.collection), headers: [("Accept", "application/json")]), as: identity),
              list.response.isSuccess, let json = list.response.json, let stored = elements(of: json).first(where: { identifier(in: $0) == object.id }) else { return nil }
        return (stored, list)
    }

    /// The operations that change an object: `PUT`/`PATCH` on its item path, or on its collection with its id in the body.
    static func writers(of object: CreatedObject, in scan: ScanContext) -> [Endpoint] {
        let items = scan.itemEndpoints(of: object.collection).filter { ["PUT", "PATCH"].contains($0.method) }
        let collection = scan.endpoints.filter { endpoint in
            ["PUT", "PATCH"].contains(endpoint.method) && endpoint.path == object.collection
                && (endpoint.bodySchema?["properties"]?.entries.contains { ["id", "uuid", "_id"].contains($0.key) } ?? false)
        }
        return items + collection
    }

    /// A request through `writer` changing one text field of `object` to `marker`, and that field's name; nil when the
    /// body has no such field to tell the change by.
    static func change(_ object: CreatedObject, through writer: Endpoint, identity: String, to marker: String, in scan: ScanContext) -> (OutboundRequest, String)? {
        guard var body = scan.exampleBody(writer, identity: identity) else { return nil }
        for (key, value) in object.body where body[key] != nil { body[key] = value }
        guard let field = body.keys.sorted().first(where: { body[$0] is String && isUniqueLooking($0) }) else { return nil }
        body[field] = marker
        for key in ["id", "uuid", "_id"] where body[key] != nil { body[key] = Int(object.id).map { $0 as Any } ?? object.id }
        return (scan.request(writer, identity: identity, object: object, body: body), field)
    }
}

