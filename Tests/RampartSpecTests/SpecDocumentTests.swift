import Foundation
import Testing
@testable import RampartSpec

@Test func followsRelativeFileReferencesAcrossFolders() throws {
    let folder = Paths.specs + "/oai-examples/examples/v2.0/json/petstore-separate"
    let root = folder + "/spec/swagger.json"
    // It reaches into ../common: that needs a reference root above the spec's own folder.
    let confined = try APIDescription(SpecDocument(path: root))
    _ = confined.outputSchemas
    #expect(confined.document.brokenReferences.contains { $0.reference == "../common/Error.json" && $0.reason.hasPrefix("refused") })
    let api = try APIDescription(SpecDocument(path: root, referenceRoot: folder))
    #expect(api.version == .swagger2)
    #expect(api.operations.count == 4)
    _ = api.inputSchemas
    _ = api.outputSchemas
    #expect(api.document.brokenReferences.isEmpty)
    #expect(api.document.fileCount >= 4, "swagger.json, parameters.json, Pet.json, NewPet.json, ../common/Error.json")
}

@Test func circularReferencesEnd() throws {
    let folder = try temporaryFolder([
        "api.yaml": """
        openapi: 3.0.3
        info: {title: t, version: '1'}
        paths:
          /nodes:
            post:
              requestBody:
                content:
                  application/json:
                    schema: {$ref: 'schemas.yaml#/Node'}
              responses: {'200': {description: ok}}
        components:
          schemas:
            Loop: {$ref: '#/components/schemas/Loop'}
        """,
        "schemas.yaml": """
        Node:
          type: object
          properties:
            children: {type: array, items: {$ref: '#/Node'}}
            parent: {$ref: 'api.yaml#/components/schemas/Loop'}
        """,
    ])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let result = try Auditor.audit(path: folder + "/api.yaml")
    let unresolved = result.findings.filter { $0.ruleId == "unresolved-reference" }
    #expect(unresolved.count == 1, "the self-referencing Loop is reported once")
    #expect(unresolved.first?.message.contains("loops") == true)
    #expect(result.findings.contains { $0.ruleId == "array-unbounded" && $0.location.position?.file.hasSuffix("schemas.yaml") == true },
            "findings in referenced files point at those files")
}

@Test func brokenAndRemoteReferencesAreFindingsNotErrors() throws {
    let folder = try temporaryFolder(["api.yaml": """
    openapi: 3.0.3
    info: {title: t, version: '1'}
    paths:
      /a:
        get:
          parameters:
            - $ref: 'missing.yaml#/p'
            - $ref: 'https://example.com/p.yaml'
            - $ref: '#/components/parameters/Nope'
          responses: {'200': {description: ok}}
    """])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let result = try Auditor.audit(path: folder + "/api.yaml")
    let reasons = result.findings.filter { $0.ruleId == "unresolved-reference" }.map(\.message)
    #expect(reasons.count == 3)
    #expect(reasons.contains { $0.contains("no such file") })
    #expect(reasons.contains { $0.contains("remote references are not fetched") })
    #expect(reasons.contains { $0.contains("nothing at /components/parameters/Nope") })
}

@Test func findingsPointAtTheExactLine() throws {
    let result = try audit("""
    openapi: 3.0.3
    info: {title: t, version: '1'}
    components:
      securitySchemes:
        basic:
          type: http
          scheme: basic
    paths: {}
    """)
    let basic = try #require(result.findings.first { $0.ruleId == "http-basic-auth" })
    #expect(basic.location.position?.line == 5, "the line of the key 'basic:'")
    #expect(basic.location.position?.column == 5)
    #expect(basic.location.pointer == "/components/securitySchemes/basic")
    #expect(basic.evidence?.excerpt == "basic:")
}

@Test(arguments: [
    ("{}", "no 'openapi' or 'swagger' field"),
    ("[1, 2]", "not an object"),
    ("openapi: 4.0.0\ninfo: {}\npaths: {}", "unsupported OpenAPI version"),
    ("swagger: '1.2'\n", "unsupported Swagger version"),
    ("openapi: 3.0.0\npaths: [1]", "'paths' must be an object"),
])
func notADescriptionIsAClearError(text: String, expected: String) {
    #expect {
        _ = try APIDescription(SpecDocument(text: text, file: "x.yaml"))
    } throws: { error in
        let message = (error as? SpecError)?.description ?? ""
        return message.contains(expected) && message.hasPrefix("x.yaml")
    }
}

@Test func swaggerAndOpenAPI31NormaliseToOneShape() throws {
    let v2 = try APIDescription(SpecDocument(path: Paths.fixtures + "/clean-swagger2.json"))
    #expect(v2.servers.map(\.url) == ["https://api.example.com/v1"])
    #expect(v2.operations.first?.requestBody?.content.first?.name == "application/json")
    #expect(v2.securitySchemes.first?.location == "header")
    let v31 = try APIDescription(SpecDocument(text: """
    openapi: 3.1.0
    info: {title: t, version: '1'}
    paths:
      /a:
        post:
          requestBody:
            content:
              application/json:
                schema: {type: [string, 'null']}
          responses: {'200': {description: ok}}
    """, file: "t.yaml"))
    #expect(v31.version == .openAPI31)
    #expect(v31.inputSchemas.first?.schemaTypes == ["string", "null"])
    let inventory = v31.inventory
    #expect(inventory.operations.first?.requestContentTypes == ["application/json"])
}

@Test func inlineIgnoreSilencesARuleBelowTheNode() throws {
    let text = """
    openapi: 3.0.3
    info: {title: t, version: '1'}
    paths: {}
    components:
      securitySchemes:
        basic:
          type: http
          scheme: basic
          x-rampart-ignore: [http-basic-auth]
        legacy:
          type: http
          scheme: basic
    """
    let findings = try audit(text).findings.filter { $0.ruleId == "http-basic-auth" }
    #expect(findings.count == 1)
    #expect(findings.first?.location.pointer == "/components/securitySchemes/legacy")
    let all = try audit(text.replacingOccurrences(of: "components:", with: "x-rampart-ignore: [all]\ncomponents:")).findings
    #expect(all.isEmpty)
}

/// Minified JSON puts every finding on line 1: each excerpt must show its own place, read in bounded time, not the
/// start of a 1 MB line (which made auditing minified Stripe quadratic).
@Test func excerptsOnOneLongLineShowTheirOwnPlace() throws {
    let paths = (0..<3000).map { #""/things\#($0)":{"get":{"responses":{"200":{"description":"ok"}}}}"# }.joined(separator: ",")
    let text = #"{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"# + paths + "}}"
    let result = Auditor.audit(try APIDescription(SpecDocument(text: text, file: "min.json")))
    let last = try #require(result.findings.first { $0.location.pointer?.hasPrefix("/paths/~1things2999") == true })
    let excerpt = try #require(last.evidence?.excerpt)
    #expect(excerpt.contains("things2999"), "\(excerpt)")
    #expect(excerpt.count <= 201)
}
