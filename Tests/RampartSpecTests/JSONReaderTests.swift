import Testing
@testable import RampartSpec

private func parse(_ text: String) throws(SpecError) -> SpecNode { try JSONReader.parse(Array(text.utf8), file: "t.json") }

@Test func recordsLineAndColumnOfEveryValue() throws {
    let root = try parse("{\n  \"a\": {\n    \"b\": [1, \"x\"]\n  }\n}")
    let b = try #require(root["a"]?["b"])
    #expect((b.line, b.column) == (3, 10))
    #expect((b.keyLine, b.keyColumn) == (3, 5), "and where its key starts")
    #expect((b.items[1].line, b.items[1].column) == (3, 14))
    #expect(root["a"]?.line == 2)
}

@Test func decodesEscapesAndSurrogatePairs() throws {
    let root = try parse(#"{"s": "a\"b\\c\/d\n\u00e9\ud83d\ude00"}"#)
    #expect(root["s"]?.string == "a\"b\\c/d\né😀")
}

@Test func keepsNumbersAsWrittenAndTypesLiterals() throws {
    let root = try parse(#"[ -1.5e3, 0, true, false, null ]"#)
    #expect(root.items.map(\.scalarText) == ["-1.5e3", "0", "true", "false", nil])
    if case .null = root.items[4].value {} else { Issue.record("null expected") }
}

@Test(arguments: [
    ("{\"a\": 1,}", "expected a quoted key"),
    ("{\"a\" 1}", "expected ':'"),
    ("[1 2]", "expected ',' or ']'"),
    ("{\"a\": tru}", "expected a value"),
    ("\"abc", "unterminated string"),
    ("{} {}", "after the end of the document"),
    ("[\"a\u{01}\"]", "control character"),
    ("", "unexpected end of file"),
    ("-", "needs digits"),
])
func reportsErrorsWithPlace(input: String, expected: String) {
    #expect {
        _ = try parse(input)
    } throws: { error in
        let message = (error as? SpecError)?.description ?? ""
        return message.contains(expected) && message.hasPrefix("t.json:1:")
    }
}

@Test func refusesPathologicalNesting() {
    let deep = String(repeating: "[", count: 100_000)
    #expect(throws: SpecError.self) { _ = try parse(deep) }
}

@Test func skipsByteOrderMark() throws {
    let root = try JSONReader.parse([0xEF, 0xBB, 0xBF] + Array("{\"a\":1}".utf8), file: "t.json")
    #expect(root["a"]?.scalarText == "1")
}

/// Mutation fuzzing: every mangled variant of a real spec either parses or fails with a SpecError; never crashes or hangs.
@Test func fuzzedInputNeverCrashes() throws {
    let seed = Array(#"{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/a/{id}":{"get":{"parameters":[{"name":"id","in":"path","schema":{"type":"integer"}}],"responses":{"200":{"description":"ok \u00e9"}}}}}}"#.utf8)
    var generator = SystemRandomNumberGenerator()
    let alphabet = Array("{}[]\":,\\u0123456789eE+-.truefalsnl \n\t\u{00}\u{FF}".utf8)
    for _ in 0..<3000 {
        var bytes = seed
        for _ in 0..<Int.random(in: 1...8, using: &generator) {
            let i = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: bytes[i] = alphabet.randomElement(using: &generator)!
            case 1: bytes.remove(at: i)
            default: bytes.insert(alphabet.randomElement(using: &generator)!, at: i)
            }
            if bytes.isEmpty { break }
        }
        do {
            _ = try JSONReader.parse(bytes, file: "fuzz.json")
            // Whatever parsed must also survive the typed view and the audit.
            if let api = try? APIDescription(try SpecDocument(text: String(decoding: bytes, as: UTF8.self), file: "fuzz.json")) {
                _ = Auditor.audit(api)
            }
        } catch {
            #expect(!error.description.isEmpty)
        }
    }
}
