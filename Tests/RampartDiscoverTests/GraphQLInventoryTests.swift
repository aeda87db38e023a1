import Foundation
import RampartDiscover
import RampartGraphQL
import Testing

/// GraphQL traffic is one `POST /graphql` to the path inventory; the operations behind it are listed one by one.
@Suite struct GraphQLInventoryTests {
    static func record(_ body: String, answer: String, identity: String?, status: Int = 200, get: Bool = false) -> TrafficRecord {
        if get {
            return TrafficRecord(method: "GET", path: "/graphql", query: [("query", body.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)], status: status,
                                 time: 1_800_000_000, client: "10.0.0.9", responseBody: answer, responseContentType: "application/json", identity: identity)
        }
        return TrafficRecord(method: "POST", path: "/graphql", status: status, time: 1_800_000_000, client: "10.0.0.9", requestBody: body,
                             requestContentType: "application/json", responseBody: answer, responseContentType: "application/json", identity: identity)
    }

    static func discovery() -> Discovery {
        let discoverer = Discoverer()
        discoverer.add(record(#"{"query":"query One($id: ID!) { account(id: $id) { id nickname balance owner { name } } }","variables":{"id":"7"}}"#,
                              answer: #"{"data":{"account":{"id":"7","nickname":"Main","balance":12.5,"owner":{"name":"Alice"}}}}"#, identity: "jwt:alice"))
        discoverer.add(record(#"{"query":"query { account(id: \"8\") { id } }"}"#, answer: #"{"data":{"account":null},"errors":[{"message":"not found"}]}"#, identity: "jwt:bob"))
        discoverer.add(record(#"[{"query":"mutation { renameAccount(id: \"7\", nickname: \"x\") { id } }"},{"query":"{ products(first: 2) { id name inStock } }"}]"#,
                              answer: #"[{"data":{"renameAccount":{"id":"7"}}},{"data":{"products":[{"id":"1","name":"Card","inStock":true}]}}]"#, identity: "jwt:alice"))
        discoverer.add(record("{ products(first: 1) { id } }", answer: #"{"data":{"products":[]}}"#, identity: nil, get: true))
        discoverer.add(TrafficRecord(method: "GET", path: "/health", status: 200))
        return discoverer.finish()
    }

    @Test func operationsAreListedWithTheirFieldsAndCallers() {
        let discovery = Self.discovery()
        let byLabel = Dictionary(uniqueKeysWithValues: discovery.graphQL.map { ($0.label, $0) })
        #expect(Set(byLabel.keys) == ["query account", "mutation renameAccount", "query products"])
        let account = byLabel["query account"]
        #expect(account?.requests == 2 && account?.errors == 1 && account?.endpoint == "/graphql")
        #expect(account?.callers == ["jwt:alice", "jwt:bob"])
        #expect(account?.fieldsUsed.contains("account.owner.name") == true)
        #expect(byLabel["query products"]?.callers == ["jwt:alice", "10.0.0.9"], "a GET query counts, and an anonymous caller is its address")
        #expect(discovery.operations.contains { $0.label == "POST /graphql" }, "the HTTP endpoint stays in the path inventory")
    }

    @Test func theSchemaDraftHasTheRootFieldsArgumentsAndTypesTheAnswersShowed() {
        let sdl = Self.discovery().graphQLSchema
        #expect(sdl.contains("type Query {\n  account(id: ID!): Account\n  products(first: Int): [Product]\n}"), "\(sdl)")
        #expect(sdl.contains("type Mutation {\n  renameAccount(id: String, nickname: String): RenameAccount\n}"), "\(sdl)")
        #expect(sdl.contains("type Account {\n  balance: Float\n  id: ID\n  nickname: String\n  owner: Owner\n}"), "\(sdl)")
        #expect(sdl.contains("type Product {\n  id: ID\n  inStock: Boolean\n  name: String\n}"), "\(sdl)")
    }

    /// The draft is SDL GraphQLSwift builds a schema from, so `rampart scan --graphql-schema` can take it.
    @Test func theSchemaDraftIsValidSDL() async throws {
        let schema = try await GraphQLSchemaModel(sdl: Self.discovery().graphQLSchema)
        #expect(Set(schema.queries.map(\.name)) == ["account", "products"] && schema.mutations.map(\.name) == ["renameAccount"])
    }

    @Test func trafficWithoutGraphQLHasNoOperationsAndNoDraft() {
        let discoverer = Discoverer()
        discoverer.add(TrafficRecord(method: "POST", path: "/graphql", status: 200, requestBody: #"{"query": "not graphql {"}"#, requestContentType: "application/json"))
        discoverer.add(TrafficRecord(method: "POST", path: "/login", status: 200, requestBody: #"{"user":"a"}"#, requestContentType: "application/json"))
        let discovery = discoverer.finish()
        #expect(discovery.graphQL.isEmpty && discovery.graphQLSchema.isEmpty)
    }
}
