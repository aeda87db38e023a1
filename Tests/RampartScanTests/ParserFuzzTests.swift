import Foundation
import RampartHTTP
import RampartLab
import RampartScan
import RampartSpec
import Testing

/// Deterministic mutations (a seeded generator, so a failure can be replayed) of valid inputs.
private struct Mutator {
    var state: UInt64

    mutating func next(_ bound: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(max(bound, 1)))
    }

    mutating func mutate(_ text: String) -> String {
        var bytes = Array(text.utf8)
        let pieces: [[UInt8]] = [Array(":".utf8), Array("-".utf8), Array("{".utf8), Array("[".utf8), Array("\n  ".utf8), Array("${".utf8),
                                 Array("'".utf8), Array("&a".utf8), Array("*a".utf8), Array("~".utf8), [0xFF], Array("\t".utf8), Array("123".utf8)]
        for _ in 0...next(4) {
            guard !bytes.isEmpty else { break }
            let at = next(bytes.count)
            switch next(3) {
            case 0: bytes.remove(at: at)
            case 1: bytes.insert(contentsOf: pieces[next(pieces.count)], at: at)
            default: bytes.replaceSubrange(at..<min(bytes.count, at + next(8)), with: pieces[next(pieces.count)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

@Test func mutatedScanConfigurationsAreErrorsNotCrashes() {
    var mutator = Mutator(state: 2026)
    var errors = 0
    for _ in 0..<1500 {
        let text = mutator.mutate(Lab.scanConfiguration)
        do {
            _ = try ScanConfiguration.parse(SpecDocument(text: text, file: "rampart.yml").root, environment: [:])
        } catch {
            errors += 1
            #expect(error.description.hasPrefix("rampart.yml"), "\(error)")
            #expect(!error.description.contains("\n"), "one line")
        }
    }
    #expect(errors > 100, "the mutations do break the file")
}

@Test func mutatedRulePacksAreErrorsNotCrashes() throws {
    let template = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/RampartScan/Rules/graphql-introspection.yaml"), encoding: .utf8)
    var mutator = Mutator(state: 42)
    var errors = 0
    for _ in 0..<1500 {
        do {
            _ = try RulePackLoader.parse(SpecDocument(text: mutator.mutate(template), file: "pack.yaml").root)
        } catch {
            errors += 1
            #expect(error.description.hasPrefix("pack.yaml"), "\(error)")
        }
    }
    #expect(errors > 100)
}
