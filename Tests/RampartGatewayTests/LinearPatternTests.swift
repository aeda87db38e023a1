import Foundation
@testable import RampartGateway
import RampartSpec
import RampartTestSupport
import Testing

/// The patterns OpenAPI descriptions use, matched as JSON Schema says (a search, not a full match).
@Test(arguments: [
    ("^[A-Z]{3}-[0-9]+$", "ABC-12", true), ("^[A-Z]{3}-[0-9]+$", "AB-12", false), ("^[A-Z]{3}-[0-9]+$", "ABC-12x", false),
    ("[0-9]", "abc7", true), ("^\\d{4}-\\d{2}-\\d{2}$", "2026-12-03", true), ("^\\w+@\\w+\\.com$", "a_b@c.com", true),
    ("^(a|bc)*d$", "abcabcd", true), ("^(a|bc)*d$", "abd", false), ("^[^<>]*$", "safe text", true), ("^[^<>]*$", "<script>", false),
    ("^(?:[a-z0-9-]{1,63}\\.)+[a-z]{2,}$", "api.example.com", true), ("^\\S+$", "no space", false), ("colou?r", "my color", true),
    ("^x{2,3}$", "xxxx", false), ("^x{2,}$", "xxxx", true), ("\\bcat\\b", "a cat!", true), ("\\bcat\\b", "concat", false),
    ("^[\\u00e9a-c]+$", "éab", true), ("^.$", "\n", false), ("^$", "", true), ("^(?<year>\\d{4})$", "2026", true),
])
func patternsMatchAsJSONSchemaSays(_ pattern: String, _ text: String, _ expected: Bool) throws {
    #expect(try LinearPattern(pattern).matches(text) == expected, "\(pattern) on \(text)")
}

/// Differential: random patterns from a small grammar and random strings, against Foundation's engine (short inputs,
/// where backtracking is harmless). Seeded, so a failure repeats.
@Test func randomPatternsAgreeWithFoundation() throws {
    var random = SeededRandom(state: 2026)
    let atoms = ["a", "b", ".", "[ab]", "[^a]", "\\d", "\\w", "(a|b)", "(ab|a)", "(?:b)", "x", "[a-c]"]
    let quantifiers = ["", "", "*", "+", "?", "{2}", "{1,2}", "{0,}", "*?"]
    var compared = 0
    for _ in 0..<400 {
        var pattern = Bool.random(using: &random) ? "^" : ""
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            pattern += atoms.randomElement(using: &random)! + quantifiers.randomElement(using: &random)!
        }
        if Bool.random(using: &random) { pattern += "$" }
        if Int.random(in: 0..<4, using: &random) == 0 { pattern = "(" + pattern + ")|b1" }
        let foundation = try NSRegularExpression(pattern: pattern)
        let linear = try LinearPattern(pattern)
        for _ in 0..<8 {
            let text = String((0..<Int.random(in: 0...6, using: &random)).map { _ in "abx1 ".randomElement(using: &random)! })
            let expected = foundation.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
            #expect(linear.matches(text) == expected, "\(pattern) on '\(text)'")
            compared += 1
        }
    }
    #expect(compared == 3200)
}

@Test(arguments: ["(a)\\1", "^(?=a)", "(?!x)y", "(?<=a)b", "(?<!a)b", "a{3,1}", "[z-a]", "(", "a)", "*a", "\\k<name>", "x{1000}{1000}"])
func patternsThatCannotBeCheckedInLinearTimeAreRefused(_ pattern: String) {
    #expect(throws: LinearPattern.Unsupported.self) { try LinearPattern(pattern) }
}

/// The ReDoS from the hardening review: `^(a+)+$` and a crafted value. A backtracking engine takes 2^40 steps on
/// this 41-character value (it never answered within the client's 10 s); the linear matcher answers at once.
@Test func aCatastrophicPatternCannotStallTheGateway() async throws {
    let upstream = try await ContractTests.Upstream()
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-redos-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try searchSpec(pattern: "^(a+)+$").write(toFile: folder + "/redos.yaml", atomically: true, encoding: .utf8)
    let text = """
        gateway:
          listeners: [{address: "127.0.0.1:0"}]
          upstreams: {api: {url: "\(upstream.server.httpURL.absoluteString)"}}
          routes:
            - {path: /api, upstream: api, openapi: redos.yaml}
        """
    let configuration = try GatewayConfiguration.parse(SpecDocument(text: text, file: folder + "/gateway.yml").root)
    let server = try await GatewayServer.start(configuration, baseDirectory: folder, group: gatewayTestLoops)
    let attack = try await ContractTests.send(server, .GET, "/api/search?q=" + String(repeating: "a", count: 40) + "!")
    #expect(attack.status == 400)
    let fine = try await ContractTests.send(server, .GET, "/api/search?q=aaaa")
    #expect(fine.status != 400)
    await server.stop()

    // A pattern with a backreference cannot be enforced: the configuration does not load, and says where.
    try searchSpec(pattern: #"^(a)\\1$"#).write(toFile: folder + "/redos.yaml", atomically: true, encoding: .utf8)
    await #expect {
        _ = try await GatewayServer.start(configuration, baseDirectory: folder, group: gatewayTestLoops)
    } throws: { error in
        "\(error)".contains("redos.yaml:6") && "\(error)".contains("backreferences")
    }
    await upstream.server.stop()
}


/// One operation whose query parameter `q` must match `pattern` (a YAML double-quoted string: backslashes doubled).
private func searchSpec(pattern: String) -> String {
    """
    openapi: 3.0.3
    info: {title: t, version: "1"}
    paths:
      /api/search:
        get:
          parameters: [{name: q, in: query, schema: {type: string, pattern: "\(pattern)"}}]
          responses: {"200": {description: ok}}
    """
}

/// Random pattern text (what a hostile or careless spec may hold): compiled or refused, never a crash or a hang.
@Test func randomPatternTextCompilesOrIsRefused() {
    var random = SeededRandom(state: 16)
    let pieces = ["(", ")", "[", "]", "{", "}", "{2,", "{,3}", "\\", "|", "*", "+", "?", "^", "$", ".", "-", "a", "\\d", "\\u12", "\\x4", "(?", "(?:",
                  "(?<n>", "\\b", "[^", "0", "9", "é", "\u{0}"]
    for _ in 0..<2_000 {
        let pattern = (0..<Int.random(in: 1...12, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
        if let compiled = try? LinearPattern(pattern) { _ = compiled.matches("aa9-é\u{0}b") }
    }
}
