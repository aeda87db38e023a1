import Foundation
import RampartSpec
import Testing
@testable import RampartDiscover

/// The drafted spec: loads with our own loader, audits, and says what the samples showed.
struct SpecEmitterTests {
    static func discovery() -> Discovery {
        let discoverer = Discoverer()
        for id in 1...10 {
            let body = id % 2 == 0 ? #"{"id":\#(id),"email":"u\#(id)@example.com","status":"\#(["open", "paid"][id % 2 == 0 ? 0 : 1])","created":"2024-05-01T12:00:00Z"}"#
                : #"{"id":\#(id),"email":"u\#(id)@example.com","status":"paid","created":"2024-05-01T12:00:00Z","note":null}"#
            discoverer.add(TrafficRecord(method: "GET", host: "api.example.com", path: "/users/\(id)", query: [("expand", "orders")], status: 200,
                                         requestHeaders: [("authorization", "Bearer t"), ("x-tenant", "acme")], responseBody: body,
                                         responseContentType: "application/json"))
        }
        discoverer.add(TrafficRecord(method: "POST", path: "/users", status: 201, requestHeaders: [],
                                     requestBody: #"{"name":"Bob","age":31,"tags":["a"]}"#, requestContentType: "application/json"))
        return discoverer.finish()
    }

    @Test func emittedSpecsLoadAndAudit() throws {
        let document = SpecEmitter.document(Self.discovery())
        for (name, text) in [("draft.yaml", document.yaml()), ("draft.json", document.json())] {
            let path = try TrafficReaderTests.file(name, text)
            let api = try APIDescription(SpecDocument(path: path))
            #expect(api.version == .openAPI31)
            #expect(Set(api.operations.map(\.label)) == ["GET /users/{userId}", "POST /users"])
            let result = try Auditor.audit(path: path)
            #expect(!result.findings.isEmpty)   // audited like any spec (a draft has no error responses, for one)
        }
    }

    @Test func schemasAreMergedAcrossSamples() throws {
        let document = SpecEmitter.document(Self.discovery())
        let get = try #require(document["paths"]?["/users/{userId}"]?["get"])
        let schema = try #require(get["responses"]?["200"]?["content"]?["application/json"]?["schema"])
        #expect(schema["required"] == .array(["created", "email", "id", "status"].map(OrderedJSON.string)))   // `note` is optional
        #expect(schema["properties"]?["id"]?["type"] == .string("integer"))
        #expect(schema["properties"]?["email"]?["format"] == .string("email"))
        #expect(schema["properties"]?["created"]?["format"] == .string("date-time"))
        #expect(schema["properties"]?["status"]?["enum"] == .array([.string("open"), .string("paid")]))
        #expect(schema["properties"]?["note"]?["type"] == .string("null"))
        let parameters = try #require(get["parameters"])
        #expect(parameters.json().contains(#""name": "userId""#) && parameters.json().contains(#""name": "x-tenant""#))
        #expect(get["security"] == .array([.object([("bearerAuth", .array([]))])]))
        let post = try #require(document["paths"]?["/users"]?["post"]?["requestBody"]?["content"]?["application/json"]?["schema"])
        #expect(post["properties"]?["tags"]?["items"]?["type"] == .string("string"))
    }
}
