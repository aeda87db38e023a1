import Foundation
import RampartCore
import RampartGraphQL
import RampartHTTP

/// Object- and function-level authorization through GraphQL, with the same identities as REST: whose objects are
/// whose (ids in what each identity is shown, and objects the scan creates by mutation), then each identity asking
/// for another's objects by their ID arguments, without credentials, and for operations above its role.
enum GraphQLAccess {
    /// Objects are remembered as `graphql:Type`, beside REST's collections.
    static let prefix = "graphql:"
    /// Verbs of mutations that create an object (`createPost`, `openAccount`).
    static let creating = ["create", "add", "new", "post", "submit", "insert", "publish", "upload", "send", "write", "open", "register", "make", "start"]

    /// Whether a mutation's name says it creates an object.
    static func creates(_ field: GraphQLSchemaModel.Field) -> Bool {
        creating.contains(where: field.name.lowercased().hasPrefix)
    }

    /// A root field that addresses one object by an id argument: `account(id: ID!)`, `renameAccount(accountId: …)`.
    struct ByID {
        var field: GraphQLSchemaModel.Field
        var kind: String
        var argument: GraphQLSchemaModel.InputValue
        /// The object type the id names.
        var type: String
    }

    // MARK: Whose objects are whose

    /// Creates one object per creating mutation (no owner argument: the server decides the owner) as each of the first
    /// two users, and remembers what each identity was shown by the explorer.
    static func seed(_ scan: ScanContext) async {
        guard let builder = scan.graphQL?.builder else { return }
        for user in scan.users.prefix(2).map(\.identity.name) {
            for field in builder.schema.mutations where creates(field)
                && field.type.kind == "OBJECT" && AnonymousWriteAsAnyUser.ownerArgument(of: field, in: builder.schema) == nil {
                guard let exchange = await scan.send(builder.operation(field, kind: "mutation"), as: user),
                      let created = GraphQLAnswer.data(of: exchange)?[field.name] as? [String: Any], let id = identifier(created["id"]) else { continue }
                scan.remember(CreatedObject(identity: user, collection: prefix + field.type.name, id: id, body: [:]))
            }
        }
        // Objects one query shows to one user and not to the other are that user's (only read, never changed). A query
        // that shows both the same (a public list, or one that leaks everything) says nothing about ownership.
        let users = scan.users.prefix(2).map(\.identity.name)
        var seen: [String: [String: Set<String>]] = [:]
        for answer in scan.graphQLAnswers {
            guard let identity = answer.identity, users.contains(identity), let data = answer.data else { continue }
            for (type, id) in objects(in: data[answer.operation.field.name], type: answer.operation.field.type.name, schema: builder.schema) {
                seen[answer.operation.field.name, default: [:]][identity, default: []].insert(type + "\u{1F}" + id)
            }
        }
        for user in users {
            var owned: Set<String> = []
            for byUser in seen.values {
                owned.formUnion(users.filter { $0 != user }.reduce(byUser[user] ?? []) { $0.subtracting(byUser[$1] ?? []) })
            }
            for key in owned.sorted().prefix(20) {
                let parts = key.split(separator: "\u{1F}", maxSplits: 1).map(String.init)
                guard !scan.objects(of: user).contains(where: { $0.collection == prefix + parts[0] && $0.id == parts[1] }) else { continue }
                var object = CreatedObject(identity: user, collection: prefix + parts[0], id: parts[1], body: [:])
                object.harvested = true
                scan.remember(object)
            }
        }
    }

    /// Every (type, id) in an answer, following the schema's types into nested objects and lists.
    static func objects(in value: Any?, type: String, schema: GraphQLSchemaModel, depth: Int = 0) -> [(String, String)] {
        guard depth < 4 else { return [] }
        if let list = value as? [Any] { return list.prefix(50).flatMap { objects(in: $0, type: type, schema: schema, depth: depth) } }
        guard let object = value as? [String: Any], let named = schema.types[type] else { return [] }
        var found: [(String, String)] = identifier(object["id"]).map { [(type, $0)] } ?? []
        for field in named.fields where field.type.kind == "OBJECT" {
            found += objects(in: object[field.name], type: field.type.name, schema: schema, depth: depth + 1)
        }
        return found
    }

    static func identifier(_ value: Any?) -> String? {
        if let text = value as? String, !text.isEmpty { return text }
        // JSON true/false are numbers too (of type char): not ids.
        if let number = value as? NSNumber, String(cString: number.objCType) != "c" { return number.stringValue }
        return nil
    }

    /// Root fields of `kind` that take an id of an object type: an `ID` argument, or an `Int`/`String` one named
    /// `id` or `…Id`; the type is what the field returns, or what the argument's name says (`accountId` → Account).
    static func byID(_ scan: ScanContext, kind: String) -> [ByID] {
        guard let schema = scan.graphQL?.schema else { return [] }
        return (kind == "query" ? schema.queries : schema.mutations).compactMap { field in
            guard let argument = field.requiredArguments.first(where: isIdentifier) else { return nil }
            let named = argument.name.count > 2 ? String(argument.name.dropLast(2)).replacingOccurrences(of: "_", with: "") : ""
            let type = field.type.kind == "OBJECT" ? field.type.name
                : schema.types.keys.first { $0.lowercased() == named.lowercased() } ?? ""
            guard schema.types[type]?.fields.contains(where: { $0.name == "id" }) == true else { return nil }
            return ByID(field: field, kind: kind, argument: argument, type: type)
        }
    }

    static func isIdentifier(_ argument: GraphQLSchemaModel.InputValue) -> Bool {
        guard argument.type.kind == "SCALAR", !(argument.type.description.hasPrefix("[")) else { return false }
        if argument.type.name == "ID" { return true }
        guard ["Int", "String"].contains(argument.type.name) else { return false }
        // `id`, `account_id`, or `accountId` (not `paid` or `valid`: the `Id` of a camel-case name is capitalised).
        return argument.name.lowercased() == "id" || argument.name.lowercased().hasSuffix("_id") || argument.name.hasSuffix("Id")
    }

    /// `field` asked for the object `id` as `identity`, other arguments filled in (`given` fixes some).
    static func ask(_ target: ByID, id: String, as identity: String?, given: [String: String] = [:], in scan: ScanContext) async -> (Exchange, [String: Any]?)? {
        guard let builder = scan.graphQL?.builder else { return nil }
        let operation = builder.operation(target.field, kind: target.kind, variable: target.argument.name, value: id, given: given)
        let value: Any = target.argument.type.name == "Int" ? (Int(id) as Any? ?? id) : id
        guard let exchange = await scan.send(operation, as: identity, variables: ["value": value]) else { return nil }
        return (exchange, GraphQLAnswer.data(of: exchange)?[target.field.name] as? [String: Any])
    }

    static func label(_ target: ByID) -> String { "\(target.kind) \(target.field.name)(\(target.argument.name))" }

    // MARK: The checks' GraphQL halves

    /// BOLA read: each user's objects asked for by the other user (and, for `anonymous`, without credentials).
    static func reads(_ scan: ScanContext, anonymous: Bool, report: (Location, String, Exchange) -> Void) async {
        let users = scan.users.prefix(2).map(\.identity.name)
        guard users.count == 2 || (anonymous && !users.isEmpty) else { return }
        for target in byID(scan, kind: "query") {
            defer { scan.operationDone() }
            search: for owner in users {
                for object in scan.objects(of: owner).filter({ $0.collection == prefix + target.type }).prefix(2) {
                    // The owner's own answer shows what the object looks like; an intruder given the same is a finding.
                    guard let (_, genuine) = await ask(target, id: object.id, as: owner, in: scan), identifier(genuine?["id"]) == object.id else { continue }
                    let intruders: [String?] = anonymous ? [nil] : users.filter { $0 != owner }
                    for intruder in intruders {
                        guard let (exchange, data) = await ask(target, id: object.id, as: intruder, in: scan), identifier(data?["id"]) == object.id else { continue }
                        report(scan.graphQLLocation(label(target)), "\(intruder ?? "a request without credentials") read \(owner)'s \(target.type) \(object.id) through \(label(target))", exchange)
                        break search
                    }
                }
            }
        }
    }

    /// BOLA write: a mutation by id run by one user on the other's object (one the scan created), with a marker in a
    /// string argument; confirmed when the owner reads the marker back (or the answer shows the object changed).
    static func writes(_ scan: ScanContext, report: (Location, String, Exchange) -> Void) async {
        let users = scan.users.prefix(2).map(\.identity.name)
        guard users.count == 2 else { return }
        let readers = byID(scan, kind: "query")
        let destructive = ["delete", "remove", "destroy", "close", "cancel", "purge", "drop"]
        for target in byID(scan, kind: "mutation") where scan.options.allowDestructive || !destructive.contains(where: target.field.name.lowercased().hasPrefix) {
            defer { scan.operationDone() }
            let (owner, intruder) = (users[0], users[1])
            guard let object = scan.createdObjects(of: owner).first(where: { $0.collection == prefix + target.type }) else { continue }
            let marker = "rampart-\(UUID().uuidString.prefix(8).lowercased())"
            let given = Dictionary(uniqueKeysWithValues: target.field.arguments.filter { $0.name != target.argument.name && $0.type.name == "String" && $0.type.kind == "SCALAR" }
                .map { ($0.name, marker) })
            guard !given.isEmpty, let (exchange, data) = await ask(target, id: object.id, as: intruder, given: given, in: scan), data != nil else { continue }
            var confirmed = data.map { "\($0)".contains(marker) } ?? false
            if let reader = readers.first(where: { $0.type == target.type }), let (_, readBack) = await ask(reader, id: object.id, as: owner, in: scan) {
                confirmed = readBack.map { "\($0)".contains(marker) } ?? false
            }
            guard confirmed else { continue }
            report(scan.graphQLLocation(label(target)), "\(intruder) changed \(owner)'s \(target.type) \(object.id) through \(label(target)); \(owner) reads the change back", exchange)
        }
    }

    /// BFLA: root fields reserved to some roles (rampart.yml `only: {"query users": [admin]}`, or a staff word in the
    /// name) answered with data to a lower level or to no identity, as they answer the allowed role.
    static func privileged(_ scan: ScanContext, report: (Location, String, Exchange) -> Void) async {
        guard let builder = scan.graphQL?.builder else { return }
        let fields = builder.schema.queries.map { ("query", $0) } + builder.schema.mutations.map { ("mutation", $0) }
        for (kind, field) in fields {
            guard let roles = scan.configuration.roles(graphQL: kind, field: field.name) ?? staffOnly(field.name, scan),
                  kind == "query" || scan.options.allowDestructive || creates(field) else { continue }
            defer { scan.operationDone() }
            let operation = builder.operation(field, kind: kind)
            let allowed = scan.sessions.filter { roles.contains($0.identity.role) }.sorted { $0.identity.level < $1.identity.level }
            guard let first = allowed.first, let genuine = await scan.send(operation, as: first.identity.name), let expected = GraphQLAnswer.data(of: genuine)?[field.name],
                  !(expected is NSNull) else { continue }
            let bar = first.identity.level
            let callers: [Session?] = scan.sessions.filter { !roles.contains($0.identity.role) && $0.identity.level < bar }.sorted { $0.identity.level < $1.identity.level } + [nil]
            for caller in callers {
                let name = caller?.identity.name
                guard let exchange = await scan.send(operation, as: name), let data = GraphQLAnswer.data(of: exchange)?[field.name], !(data is NSNull),
                      (data as? [Any])?.isEmpty != true else { continue }
                let who = caller.map { "\($0.identity.name) (role \($0.identity.role), level \($0.identity.level))" } ?? "a request without credentials"
                report(scan.graphQLLocation("\(kind) \(field.name)"), "\(who) ran \(kind) \(field.name), which only \(roles.joined(separator: ", ")) may run, and was answered with data", exchange)
                break
            }
        }
    }

    /// The admins' roles, when a root field's name says it is for staff (`adminUsers`, `internalReport`).
    static func staffOnly(_ name: String, _ scan: ScanContext) -> [String]? {
        let lower = name.lowercased()
        guard ["admin", "internal", "staff", "superuser"].contains(where: lower.hasPrefix) else { return nil }
        let roles = Set(scan.admins.map(\.identity.role))
        return roles.isEmpty ? ["admin"] : roles.sorted()
    }
}
