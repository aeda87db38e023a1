import Foundation
import RampartCore
@testable import RampartSpec
import Testing

/// A description under review (a pull request's) must not be able to read files outside its folder through `$ref`,
/// and nothing of such a file may reach a report.
@Suite struct ReferenceConfinementTests {
    static let canary = "AKIA-CANARY-0123456789"

    /// `repo/api/openapi.yaml` with references that stay inside `api/`, leave it, or leave it through a symbolic link.
    static func layout() throws -> (folder: String, spec: String) {
        let folder = try temporaryFolder([
            "repo/secrets/cloud.json": #"{"aws_secret_access_key": "\#(canary)"}"#,
            "repo/api/schemas/pet.yaml": "type: object\nproperties:\n  name: {type: string, maxLength: 50}\n",
        ])
        try FileManager.default.createSymbolicLink(atPath: folder + "/repo/api/schemas/link.json", withDestinationPath: folder + "/repo/secrets/cloud.json")
        let spec = """
        openapi: 3.0.3
        info: {title: t, version: "1"}
        paths:
          /pets:
            get:
              responses:
                "200": {description: ok, content: {application/json: {schema: {$ref: "schemas/pet.yaml"}}}}
                "201": {description: ok, content: {application/json: {schema: {$ref: "../secrets/cloud.json"}}}}
                "202": {description: ok, content: {application/json: {schema: {$ref: "\(folder)/repo/secrets/cloud.json#/aws_secret_access_key"}}}}
                "203": {description: ok, content: {application/json: {schema: {$ref: "schemas/link.json"}}}}
                "204": {description: ok, content: {application/json: {schema: {$ref: "/dev/zero"}}}}
                "205": {description: ok, content: {application/json: {schema: {$ref: "../../../../../../../../etc/passwd"}}}}
        """
        try spec.write(toFile: folder + "/repo/api/openapi.yaml", atomically: true, encoding: .utf8)
        return (folder, folder + "/repo/api/openapi.yaml")
    }

    @Test func referencesOutsideTheSpecsFolderAreRefusedAndQuoteNothing() throws {
        let (folder, spec) = try Self.layout()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try Auditor.audit(path: spec)
        let refused = result.findings.filter { $0.ruleId == "unresolved-reference" && $0.message.contains("refused: outside") }
        // ../secrets, the absolute path, the symbolic link, /dev/zero and /etc/passwd: five refusals.
        #expect(refused.count == 5, "\(result.findings.filter { $0.ruleId == "unresolved-reference" }.map(\.message))")
        let written = String(decoding: try JSONEncoder().encode(result.findings), as: UTF8.self)
        #expect(!written.contains(Self.canary) && !written.contains("root:"))
        #expect(result.filesLoaded == 2, "the spec and schemas/pet.yaml, nothing else")
    }

    @Test func aWiderReferenceRootIsHonouredButStillConfines() throws {
        let (folder, spec) = try Self.layout()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try Auditor.audit(path: spec, referenceRoot: folder + "/repo")
        let refused = result.findings.filter { $0.ruleId == "unresolved-reference" && $0.message.contains("refused: outside") }
        // Inside repo/ now: the secrets file is read (the user asked for it); /dev/zero and /etc/passwd are still refused.
        #expect(refused.count == 2, "\(result.findings.map(\.message))")
        #expect(result.filesLoaded >= 3)
    }

    @Test func aDeviceAsTheRootSpecIsAnErrorNotAHang() {
        #expect(throws: SpecError.self) { try SpecDocument(path: "/dev/zero") }
    }
}
