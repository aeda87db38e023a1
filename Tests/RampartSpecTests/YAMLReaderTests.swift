import Testing
@testable import RampartSpec

private func parse(_ text: String) throws(SpecError) -> SpecNode { try YAMLReader.parse(text, file: "t.yaml") }

@Test func yamlNodesKeepTheirPositions() throws {
    let root = try parse("openapi: 3.1.0\npaths:\n  /a:\n    get:\n      summary: x\n")
    let get = try #require(root["paths"]?["/a"]?["get"])
    #expect(get.line == 5)
    #expect(root["paths"]?["/a"]?["get"]?["summary"]?.line == 5)
    #expect(root["openapi"]?.column == 10)
}

@Test func typesPlainScalarsLikeYAML12AndKeepsQuotedOnesAsStrings() throws {
    let root = try parse("a: 1\nb: '1'\nc: true\nd: ~\ne: 1.0.3\nf: 2021-01-01\n200: ok\ng: -3.5\n")
    #expect(root["a"]?.number == 1)
    #expect(root["b"]?.string == "1")
    #expect(root["c"]?.bool == true)
    if case .null = root["d"]!.value {} else { Issue.record("~ is null") }
    #expect(root["e"]?.string == "1.0.3")
    #expect(root["f"]?.string == "2021-01-01")
    #expect(root["200"]?.string == "ok", "integer keys such as response codes become string keys")
    #expect(root["g"]?.number == -3.5)
}

@Test func appliesMergeKeys() throws {
    let root = try parse("base: &b\n  type: string\n  maxLength: 5\nderived:\n  <<: *b\n  maxLength: 9\n")
    #expect(root["derived"]?["type"]?.string == "string")
    #expect(root["derived"]?["maxLength"]?.scalarText == "9", "explicit keys win over merged ones")
}

@Test func refusesAliasBombs() {
    var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    for i in 1...9 { text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
    #expect {
        _ = try parse(text)
    } throws: { error in
        (error as? SpecError)?.problem.contains("alias bomb") == true
    }
}

@Test func syntaxErrorsNameLineAndColumn() {
    #expect {
        _ = try parse("a:\n  b: [1, 2\n  c: 3\n")
    } throws: { error in
        guard let error = error as? SpecError else { return false }
        return error.line != nil && error.description.hasPrefix("t.yaml:") && !error.description.contains("\n")
    }
}

@Test func tabsAndGarbageAreErrorsNotCrashes() {
    for text in ["\t- a", "a: b: c", "- [", "{a: 1", "*undefined", "? ? ?", ": :"] {
        do { _ = try parse(text) } catch { #expect(!error.description.contains("\n")) }
    }
}

/// Mutation fuzzing of the YAML path (through Yams and our conversion): parse or a one-line SpecError, never a crash.
@Test func fuzzedYAMLNeverCrashes() throws {
    let seed = Array("""
    openapi: 3.0.3
    info: {title: t, version: '1'}
    x-base: &base {type: string, maxLength: 5}
    paths:
      /a/{id}:
        get:
          parameters:
            - {name: id, in: path, required: true, schema: *base}
          responses:
            '200': {description: "ok \\u00e9"}
    """.utf8)
    var generator = SystemRandomNumberGenerator()
    let alphabet = Array("{}[]:,-&*!|>'\"#? \n\t%@`\u{00}".utf8)
    for _ in 0..<1500 {
        var bytes = seed
        for _ in 0..<Int.random(in: 1...6, using: &generator) where !bytes.isEmpty {
            let i = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: bytes[i] = alphabet.randomElement(using: &generator)!
            case 1: bytes.remove(at: i)
            default: bytes.insert(alphabet.randomElement(using: &generator)!, at: i)
            }
        }
        do {
            let document = try SpecDocument(text: String(decoding: bytes, as: UTF8.self), file: "fuzz.yaml")
            if let api = try? APIDescription(document) { _ = Auditor.audit(api) }
        } catch {
            #expect(!error.description.contains("\n"), "one-line error: \(error.description)")
        }
    }
}
