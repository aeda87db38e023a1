import Foundation
import RampartCore

/// Reads and writes `--baseline` files.
enum BaselineFile {
    static func encode(_ baseline: Baseline) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: (try? encoder.encode(baseline)) ?? Data(), as: UTF8.self) + "\n"
    }

    static func load(_ path: String) throws(CLIFailure) -> Baseline {
        guard let data = FileManager.default.contents(atPath: path) else { throw .input("\(path): cannot read the baseline file") }
        do {
            return try JSONDecoder().decode(Baseline.self, from: data)
        } catch {
            throw .input("\(path): not a Rampart baseline (expected {\"version\": 1, \"fingerprints\": [...]}): \(error.localizedDescription)")
        }
    }
}
