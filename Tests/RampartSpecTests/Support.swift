import Foundation
@testable import RampartSpec

/// Paths used by the tests: fixtures beside this file, the shared corpus beside the project.
enum Paths {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let fixtures = tests.appendingPathComponent("Fixtures").path
    static let root = tests.deletingLastPathComponent().deletingLastPathComponent()
    static let shared = root.deletingLastPathComponent().appendingPathComponent("shared").path
    static let specs = shared + "/specs"
}

func audit(_ text: String, file: String = "test.yaml") throws -> AuditResult {
    Auditor.audit(try APIDescription(SpecDocument(text: text, file: file)))
}

/// A temporary folder with the given files, removed by the caller.
func temporaryFolder(_ files: [String: String]) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-\(UUID().uuidString)")
    for (name, text) in files {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
    return folder.path
}
