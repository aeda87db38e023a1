import Foundation
import RampartSpec

/// Expands folders into the API descriptions they hold.
enum SpecFinder {
    static let extensions: Set<String> = ["json", "yaml", "yml"]

    static func find(_ paths: [String]) throws(CLIFailure) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw .input("\(path): no such file or folder")
            }
            guard isDirectory.boolValue else { files.append(path); continue }
            let found = descriptions(in: path)
            guard !found.isEmpty else { throw .input("\(path): no OpenAPI or Swagger description found in this folder") }
            files += found
        }
        return files
    }

    /// Files under `folder` whose text has a top-level-looking `openapi`/`swagger` key (fragments of multi-file specs are skipped).
    static func descriptions(in folder: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        var result: [String] = []
        while let relative = walker.nextObject() as? String {
            guard extensions.contains((relative as NSString).pathExtension.lowercased()) else { continue }
            let path = (folder as NSString).appendingPathComponent(relative)
            guard let data = FileManager.default.contents(atPath: path), SpecDocument.looksLikeDescription([UInt8](data)) else { continue }
            result.append(path)
        }
        return result.sorted()
    }
}
