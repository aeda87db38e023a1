import Foundation
import RampartCore
import RampartGraphQL

/// Queries nested along the schema's cycles, deeper each time: answered in full ten levels deep, there is no depth
/// limit. Bounded: four queries at most, stopped as soon as an answer is slow or large (growth shown).
struct GraphQLDepthUnlimited: ScanCheck {
    let rule = RuleMetadata(
        id: "graphql-depth-unlimited", title: "GraphQL queries nest without a depth limit", severity: .medium, owasp: .api4, cwe: [770, 400],
        description: "A query nested along the schema's cycles (posts → users → posts …) was answered in full ten levels deep (or grew past seconds or megabytes on the way): one request can make the server resolve exponentially many objects.",
        remediation: "Reject queries above a depth and cost limit before executing them (GraphQL Armor, graphql-depth-limit, or the server's own setting), and paginate every list.")
    static let depths = [2, 4, 7, 10]

    func run(_ scan: ScanContext) async {
        guard let builder = scan.graphQL?.builder else { return }
        defer { scan.operationDone() }
        let caller = scan.sessions.first?.identity.name
        var answered: [(depth: Int, bytes: Int, seconds: Double)] = []
        var grew = false
        for depth in Self.depths {
            guard let document = builder.nestedQuery(depth: depth),
                  let exchange = await scan.askGraphQL(document, as: caller), GraphQLAnswer.data(of: exchange) != nil else { break }
            answered.append((depth, exchange.response.body.count, exchange.response.elapsed.inSeconds))
            // Enough to show the growth; going deeper would only load the server.
            grew = exchange.response.elapsed > .seconds(3) || exchange.response.body.count > 2_000_000
            if grew || depth == Self.depths.last {
                guard depth >= 10 || (grew && depth >= 7) else { return }
                let sizes = answered.map { "\($0.depth) → \($0.bytes) B in \(String(format: "%.2f", $0.seconds)) s" }.joined(separator: ", ")
                scan.report(rule, at: scan.graphQLLocation("query depth"),
                            "a query nested \(depth) levels deep was answered in full (\(sizes))", proof: exchange)
                return
            }
        }
    }
}

/// A creating mutation that names its owner (`authorId`, `userId`) in its arguments, run without credentials: when
/// it succeeds, anyone can create objects as any user.
struct AnonymousWriteAsAnyUser: ScanCheck {
    let rule = RuleMetadata(
        id: "anonymous-write-as-any-user", title: "Anyone can create objects as any user", severity: .high, owasp: .api2, cwe: [306, 639],
        description: "A mutation that takes the acting user's id from the client (authorId, userId, ownerId) succeeded without credentials: anyone can write in any user's name.",
        remediation: "Require authentication for every state change and take the acting user from the session or token, never from an argument.")

    func run(_ scan: ScanContext) async {
        guard let builder = scan.graphQL?.builder else { return }
        for field in builder.schema.mutations where GraphQLAccess.creates(field) {
            defer { scan.operationDone() }
            guard let owner = Self.ownerArgument(of: field, in: builder.schema) else { continue }
            let operation = builder.operation(field, kind: "mutation")
            guard let exchange = await scan.send(operation, as: nil), let data = GraphQLAnswer.data(of: exchange),
                  let created = data[field.name], !(created is NSNull) else { continue }
            scan.report(rule, at: scan.graphQLLocation(operation.label),
                        "\(operation.label) ran without credentials and created an object for the user its \(owner) argument names", proof: exchange, confidence: .firm)
        }
    }

    /// An argument, or a field of an input object argument, that names the acting user.
    static func ownerArgument(of field: GraphQLSchemaModel.Field, in schema: GraphQLSchemaModel) -> String? {
        let pattern = #"^(author|owner|user|creator|account|member|customer|sender)_?id$"#
        let names = field.arguments.flatMap { argument in
            [argument.name] + (schema.types[argument.type.name]?.inputFields.map(\.name) ?? [])
        }
        return names.first { $0.range(of: pattern, options: [.regularExpression, .caseInsensitive]) != nil }
    }
}
