import Foundation
import RampartHTTP

/// How alike two answers are, for checks that must tell "served" from "refused with 2xx".
enum ResponseShape {
    /// Whether `answer` looks like `reference`: the same body, JSON of the same kind with the same keys, or pages
    /// sharing most of their lines. A one-line text that differs ("User does not exist" vs "Welcome alice") is not alike.
    static func resembles(_ answer: ReceivedResponse, _ reference: ReceivedResponse) -> Bool {
        if answer.body == reference.body { return true }
        switch (answer.json, reference.json) {
        case let (one as [String: Any], other as [String: Any]): return Set(one.keys) == Set(other.keys)
        case (is [Any], is [Any]): return true
        default: break
        }
        let text = answer.text, referenceText = reference.text
        return text.split(separator: "\n").count >= 3 && referenceText.split(separator: "\n").count >= 3 && similarity(text, referenceText) >= 0.6
    }

    /// How much of two bodies is the same, by lines: 1 for equal, 0 for nothing in common.
    static func similarity(_ a: String, _ b: String) -> Double {
        let linesA = a.split(separator: "\n"), linesB = b.split(separator: "\n")
        guard !linesA.isEmpty || !linesB.isEmpty else { return 1 }
        var counts: [Substring: Int] = [:]
        for line in linesA { counts[line, default: 0] += 1 }
        var common = 0
        for line in linesB where (counts[line] ?? 0) > 0 {
            counts[line, default: 0] -= 1
            common += 1
        }
        return Double(2 * common) / Double(linesA.count + linesB.count)
    }
}
