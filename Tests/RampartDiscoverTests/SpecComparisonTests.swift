import Foundation
import RampartCore
import RampartSpec
import Testing
@testable import RampartDiscover

/// Traffic against a spec: every kind of drift found once, at the right place.
struct SpecComparisonTests {
    static let spec = """
        openapi: 3.0.3
        info: {title: Shop, version: "2.0"}
        servers: [{url: "https://api.example.com/api/v2"}]
        components:
          securitySchemes:
            bearer: {type: http, scheme: bearer}
            key: {type: apiKey, in: query, name: api_key}
        security: [{bearer: []}]
        paths:
          /orders:
            get:
              parameters: [{name: page, in: query, schema: {type: integer}}]
              responses: {"200": {description: ok}, "401": {description: no}}
          /orders/{orderId}:
            get:
              parameters: [{name: orderId, in: path, required: true, schema: {type: integer}}]
              responses: {"200": {description: ok}, "4XX": {description: client error}}
          /legacy-export:
            get:
              deprecated: true
              responses: {default: {description: any}}
          /reports:
            get:
              responses: {"200": {description: ok}}
          /health:
            get:
              security: []
              responses: {"200": {description: ok}}
        """

    static func record(_ method: String, _ target: String, _ status: Int, token: Bool = true) -> TrafficRecord {
        let (path, query) = TrafficRecord.splitTarget(Substring(target))
        return TrafficRecord(method: method, host: "api.example.com", path: path, query: query, status: status,
                             requestHeaders: token ? [("authorization", "Bearer x")] : [("accept", "*/*")])
    }

    @Test func everyKindOfDriftIsFound() throws {
        let specPath = try TrafficReaderTests.file("openapi.yaml", Self.spec)
        let api = try APIDescription(SpecDocument(path: specPath))
        let discoverer = Discoverer()
        for id in 1...3 { discoverer.add(Self.record("GET", "/api/v2/orders/\(id)", 200)) }
        discoverer.add(Self.record("GET", "/api/v2/orders/9", 404))                       // 4XX is documented
        discoverer.add(Self.record("GET", "/api/v2/orders?page=2&debug=true", 200))       // undocumented query parameter
        discoverer.add(Self.record("GET", "/api/v2/orders?api_key=k", 500))               // api_key belongs to a scheme; 500 is undocumented
        discoverer.add(Self.record("GET", "/api/v2/orders", 200, token: false))           // secured, answered without credentials
        discoverer.add(Self.record("DELETE", "/api/v2/orders/4", 204))                    // method not documented: shadow
        discoverer.add(Self.record("GET", "/api/v2/internal/metrics", 200))               // path not documented: shadow
        discoverer.add(Self.record("GET", "/api/v2/legacy-export", 200))                  // deprecated: zombie
        discoverer.add(Self.record("GET", "/api/v1/orders", 200))                         // older version of a documented path: zombie
        discoverer.add(Self.record("GET", "/api/v2/health", 200, token: false))           // anonymous by the spec: fine
        let findings = SpecComparison.findings(discoverer.finish(), spec: api)
        let summary = Set(findings.map { "\($0.ruleId) \($0.location.method ?? "") \($0.location.path ?? "") \($0.location.parameter ?? "")" })
        #expect(summary == [
            "undocumented-parameter GET /api/v2/orders query debug",
            "undocumented-status GET /api/v2/orders status 500",
            "unauthenticated-access GET /api/v2/orders ",
            "shadow-operation DELETE /api/v2/orders/{orderId} ",
            "shadow-operation GET /api/v2/internal/metrics ",
            "zombie-operation GET /api/v2/legacy-export ",
            "zombie-operation GET /api/v1/orders ",
            "orphan-operation GET /reports ",
        ])
        let orphan = try #require(findings.first { $0.ruleId == "orphan-operation" })
        #expect(orphan.location.position?.line == 24)   // points at the operation (its first key) in the spec
        #expect(findings.first { $0.ruleId == "unauthenticated-access" }?.severity == .high)
    }
}
