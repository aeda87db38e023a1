/// What a path segment that varies between requests looks like. A segment that matches none of these is
/// taken as a fixed part of the route unless its siblings show otherwise (see `PathTrie`).
enum SegmentKind: String, Hashable, Sendable, CaseIterable {
    case integer, uuid, hex, date, email, token, locale, slug

    /// The kind of a segment that is surely a value, or nil for one that may be a fixed word.
    static func classify(_ segment: Substring) -> SegmentKind? {
        segment.utf8.withContiguousStorageIfAvailable(classify) ?? Array(segment.utf8).withUnsafeBufferPointer(classify)
    }

    private static func classify(_ bytes: UnsafeBufferPointer<UInt8>) -> SegmentKind? {
        guard !bytes.isEmpty else { return nil }
        if isVersion(bytes) { return nil }
        if bytes.allSatisfy(isDigit) { return .integer }
        if isUUID(bytes) { return .uuid }
        if isDate(bytes) { return .date }
        if let at = bytes.firstIndex(of: UInt8(ascii: "@")), at > 0, bytes[(at + 1)...].contains(UInt8(ascii: ".")) { return .email }
        let digits = bytes.count(where: isDigit)
        let hexLetters = bytes.count { (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains($0) }
        // Hashes and object ids: long runs of hex digits with both digits and letters (a word like `facade` is not one).
        if bytes.count >= 8 && digits + hexLetters == bytes.count && digits > 0 && hexLetters > 0 { return .hex }
        if isToken(bytes, digits: digits) { return .token }
        return nil
    }

    /// `v1`, `v2.1`, `V3`: versions are part of the route, never a value.
    static func isVersion(_ bytes: some Collection<UInt8>) -> Bool {
        guard bytes.count >= 2, let first = bytes.first, first == UInt8(ascii: "v") || first == UInt8(ascii: "V"), isDigit(bytes.dropFirst().first!) else { return false }
        return bytes.dropFirst().allSatisfy { isDigit($0) || $0 == UInt8(ascii: ".") }
    }

    /// Slugs and file names: shaped like a value rather than like a route word (`red-wool-scarf`, `report-2024.pdf`, `item42`).
    static func looksLikeSlug(_ segment: Substring) -> Bool {
        let bytes = Array(segment.utf8)
        if isVersion(bytes) { return false }
        let separators = bytes.count { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
        let digits = bytes.count(where: isDigit)
        let hasExtension = segment.lastIndex(of: ".").map { (2...6).contains(segment.distance(from: $0, to: segment.endIndex)) } ?? false
        return separators >= 2 || hasExtension || (digits > 0 && digits < bytes.count) || bytes.count >= 24
    }

    /// ISO 639-1 codes of widely served languages, alone or with a region (`en`, `de-DE`, `pt_BR`).
    static func isLocale(_ segment: Substring) -> Bool {
        let parts = segment.split(whereSeparator: { $0 == "-" || $0 == "_" })
        guard (1...2).contains(parts.count), languages.contains(parts[0].lowercased()) else { return false }
        return parts.count == 1 || (parts[1].count == 2 && parts[1].allSatisfy(\.isLetter))
    }

    private static let languages: Set<String> = [
        "ar", "bg", "bn", "ca", "cs", "da", "de", "el", "en", "es", "et", "fa", "fi", "fr", "he", "hi", "hr", "hu", "id", "it", "ja", "ko",
        "lt", "lv", "ms", "nb", "nl", "nn", "no", "pl", "pt", "ro", "ru", "sk", "sl", "sr", "sv", "sw", "ta", "th", "tr", "uk", "ur", "vi", "zh",
    ]

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func isHex(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    private static func isUUID(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(index) { guard byte == UInt8(ascii: "-") else { return false } } else if !isHex(byte) { return false }
        }
        return true
    }

    private static func isDate(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let month = Int(decimal: ArraySlice(bytes[5..<7])), let day = Int(decimal: ArraySlice(bytes[8..<10])), Int(decimal: ArraySlice(bytes[0..<4])) != nil else { return false }
        return (1...12).contains(month) && (1...31).contains(day)
    }

    /// Opaque tokens (base64, base64url, random ids): long, from the base64 alphabet, letters and several digits mixed.
    private static func isToken(_ bytes: UnsafeBufferPointer<UInt8>, digits: Int) -> Bool {
        guard bytes.count >= 16, digits >= 2 else { return false }
        let alphabet = bytes.allSatisfy { byte in
            isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "+")
        }
        // A slug of words (`how-to-cook-rice-2024`) is not a token.
        let separators = bytes.count { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
        return alphabet && separators <= 1
    }
}

/// A path with its value-like segments blanked, for grouping requests by operation without a spec
/// (`/users/42/orders/7` → `/users/{}/orders/{}` and the values `42`, `7`).
public enum PathSkeleton {
    public static func of(_ path: String) -> (template: String, values: [String]) {
        var template = ""
        var values: [String] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if SegmentKind.classify(segment) != nil {
                template += "/{}"
                values.append(String(segment))
            } else {
                template += "/" + segment
            }
        }
        return (template.isEmpty ? "/" : template, values)
    }
}
