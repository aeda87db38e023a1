import Foundation
import RampartCore

// Helpers several rules share.

extension Cursor {
    /// Schemas only read by clients (`readOnly`) are not input, whatever their place.
    var isReadOnly: Bool { node["readOnly"]?.bool == true }
    var restrictsValues: Bool { node["enum"] != nil || node["const"] != nil }
}

/// `/v2/` or `v2.` in a URL or path: the major API version it names (`2`).
func versionSegments(in text: String) -> [String] {
    text.lowercased().split { $0 == "/" || $0 == "." || $0 == "-" }.compactMap { part in
        guard part.first == "v", part.count > 1, part.dropFirst().allSatisfy(\.isNumber) else { return nil }
        return String(part.dropFirst())
    }
}

/// Name matching used by several rules: `Card_Number`, `card-number` and `cardNumber` all become `cardnumber`.
func normalized(_ name: String) -> String {
    var out = String.UnicodeScalarView()
    for scalar in name.unicodeScalars where scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
        out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
    }
    return String(out)
}

extension APIDescription.Operation {
    var hasInput: Bool { !parameters.isEmpty || requestBody != nil }

    func documents(_ statuses: String...) -> Bool { statuses.contains { self.statuses.contains($0) } }
}

/// The host of a server URL: scheme, user info, port and path removed; nil when it is relative or templated.
func host(of url: String) -> String? {
    guard let schemeEnd = url.range(of: "//") else { return nil }
    var rest = url[schemeEnd.upperBound...]
    if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<slash] }
    if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
    if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") { return String(rest[rest.index(after: rest.startIndex)..<close]).lowercased() }
    if let colon = rest.firstIndex(of: ":") { rest = rest[..<colon] }
    let result = rest.lowercased()
    return result.isEmpty || result.contains("{") ? nil : result
}
