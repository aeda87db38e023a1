import Foundation
import RampartScan
import RampartSpec
import Testing

private func parse(_ text: String) throws -> RuleTemplate {
    try RulePackLoader.parse(SpecDocument(text: text, file: "pack.yaml").root)
}

private let valid = """
id: exposed-thing
title: A thing is exposed
severity: high
owasp: API9
cwe: [200]
description: d
remediation: r
requests:
  - method: GET
    paths: [/thing, "/{{name}}"]
    payloads: {name: [a, b]}
    matchers:
      - {type: status, status: [200]}
      - {type: regex, regex: ['secret=\\\\w+']}
"""

@Test func theBuiltInPacksLoad() throws {
    let packs = try RulePackLoader.builtIn()
    #expect(Set(packs.map(\.rule.id)) == ["debug-endpoint-exposed", "exposed-env-file", "exposed-git-metadata", "graphql-introspection"])
}

@Test func aTemplateIsReadWithItsMetadata() throws {
    let template = try parse(valid)
    #expect(template.rule.id == "exposed-thing" && template.rule.severity == .high && template.rule.owasp == .api9 && template.rule.cwe == [200])
    #expect(template.requests[0].paths == ["/thing", "/{{name}}"] && template.requests[0].payloads["name"] == ["a", "b"])
    #expect(template.requests[0].matchers.count == 2 && template.requests[0].matchAll)
}

@Test(arguments: [
    (valid.replacingOccurrences(of: "severity: high", with: "severity: severe"), "pack.yaml:3:1: 'severe' is not a severity (critical, high, medium, low, info)"),
    (valid.replacingOccurrences(of: "owasp: API9", with: "owasp: A01"), "pack.yaml:4:1: 'A01' is not an OWASP API 2023 category (API1 … API10)"),
    (valid.replacingOccurrences(of: "title: A thing is exposed\n", with: ""), "pack.yaml:1:1: missing 'title'"),
    (valid.replacingOccurrences(of: "    matchers:", with: "    matcher:"), "pack.yaml:12:5: unknown key 'matcher' in a request (expected: method, path, paths, headers, body, payloads, identity, matchers, matchers-condition, extractors)"),
    (valid.replacingOccurrences(of: "'secret=\\\\w+'", with: "'secret=('"), "pack.yaml:14:23: 'secret=(' is not a valid regular expression"),
    (valid.replacingOccurrences(of: "{type: status, status: [200]}", with: "{type: size, size: 3}"), "pack.yaml:13:22: unknown key 'size' in a matcher (expected: type, status, words, regex, part, negative, condition)"),
    (valid.replacingOccurrences(of: "paths: [/thing, \"/{{name}}\"]", with: "paths: [thing]"), "pack.yaml:10:5: paths must start with / (they are relative to the target): 'thing'"),
    ("id: x\n", "pack.yaml:1:1: missing 'severity'"),
    ("- a\n- b\n", "pack.yaml:1:1: a rule pack file must be a mapping (id:, title:, requests:…)"),
])
func badTemplatesNameTheLine(_ text: String, _ message: String) {
    do {
        _ = try parse(text)
        Issue.record("accepted: \(message)")
    } catch {
        #expect("\(error)" == message)
    }
}

@Test func aTemplateWithoutMatchersIsRefused() {
    let text = valid.components(separatedBy: "    matchers:")[0]
    #expect(throws: SpecError.self) { try parse(text) }
}

@Test func aFolderWithDuplicateIDsIsRefused() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-packs-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try valid.write(to: folder.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
    try valid.write(to: folder.appendingPathComponent("b.yml"), atomically: true, encoding: .utf8)
    #expect(throws: SpecError.self) { try RulePackLoader.load(folder: folder.path) }
    #expect(throws: SpecError.self) { try RulePackLoader.load(folder: folder.appendingPathComponent("missing").path) }
}
