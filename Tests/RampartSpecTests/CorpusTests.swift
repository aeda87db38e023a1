import Foundation
import Testing
@testable import RampartSpec

/// Every real-world description in ../shared/specs loads and audits, or fails with a one-line SpecError.
@Test func everySharedSpecLoadsOrFailsClearly() throws {
    let roots = try #require(FileManager.default.enumerator(atPath: Paths.specs)).compactMap { $0 as? String }
        .filter { ["json", "yaml", "yml"].contains(($0 as NSString).pathExtension) }
        .map { Paths.specs + "/" + $0 }
        .filter { FileManager.default.contents(atPath: $0).map { SpecDocument.looksLikeDescription([UInt8]($0)) } ?? false }
    #expect(roots.count >= 440, "426 APIs.guru specs, Stripe, DigitalOcean, museum and the OAI examples")
    var audited = 0
    var failures: [String] = []
    for path in roots {
        do {
            _ = try Auditor.audit(path: path)
            audited += 1
        } catch {
            #expect(!error.description.contains("\n"), "one-line error: \(error)")
            failures.append(error.description)
        }
    }
    #expect(failures.isEmpty, "\(failures)")
    #expect(audited == roots.count)
}

@Test func digitalOceanMultiFileSpecResolvesItsOperations() throws {
    let result = try Auditor.audit(path: Paths.specs + "/digitalocean/specification/DigitalOcean-public.v2.yaml")
    #expect(result.inventory.operations.count > 500)
    #expect(result.filesLoaded > 1000)
    #expect(!result.findings.contains { $0.ruleId == "unresolved-reference" })
}
