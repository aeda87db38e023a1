/// Turns a request target into the one path that routing and authorization see, or refuses it.
///
/// Attackers reach protected routes through spellings the upstream framework treats as the same path:
/// `/%61dmin`, `/api/../admin`, `//admin`, `/admin;x`, `/ADMIN`. The gateway decides on the normalized
/// path, so every spelling gets the same decision; spellings that have no safe single meaning are refused.
public enum PathNormalizer {
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case notOriginForm
        case encodedSeparator
        case controlCharacter
        case invalidPercentEncoding
        case invalidUTF8
        case aboveRoot
        case trailingDotOrSpace

        public var description: String {
            switch self {
            case .notOriginForm: "the request target must be a path starting with /"
            case .encodedSeparator: "encoded '/' or '\\' in the path"
            case .controlCharacter: "NUL, control character or backslash in the path"
            case .invalidPercentEncoding: "malformed percent-encoding in the path"
            case .invalidUTF8: "the decoded path is not valid UTF-8 (overlong or truncated sequence)"
            case .aboveRoot: "'..' climbs above the root"
            case .trailingDotOrSpace: "a path segment ending in a dot or a space (servers that strip them would see another path)"
            }
        }
    }

    /// The normalized path (query removed): percent-decoded, `;parameters` dropped from every segment,
    /// empty and `.` segments removed, `..` resolved. Case is kept; `routingKey` folds it.
    /// - Parameter trailingDotsAndSpaces: whether to refuse segments ending in `.` or a space (`/admin.`, `/admin%20`),
    ///   which upstreams that strip them (IIS, Windows file systems) take for `/admin` after authorization saw another path.
    public static func normalize(_ target: String, refusingTrailingDotsAndSpaces: Bool = true) throws(Refusal) -> String {
        let path = target.utf8.firstIndex(of: UInt8(ascii: "?")).map { String(target[..<$0]) } ?? target
        guard path.hasPrefix("/") else { throw .notOriginForm }
        if isAlreadyNormal(path) { return path }
        var segments: [String] = []
        for rawSegment in path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            // Matrix parameters (`;jsessionid=…`) are dropped before decoding, as servlet containers do.
            let bare = rawSegment.prefix { $0 != UInt8(ascii: ";") }
            let segment = try decode(bare)
            switch segment {
            case "", ".": continue
            case "..":
                guard !segments.isEmpty else { throw .aboveRoot }
                segments.removeLast()
            default:
                if refusingTrailingDotsAndSpaces, let last = segment.unicodeScalars.last, last == "." || last == " " || last == "\t" { throw .trailingDotOrSpace }
                segments.append(segment)
            }
        }
        let trailingSlash = path.count > 1 && path.hasSuffix("/") && !segments.isEmpty
        return "/" + segments.joined(separator: "/") + (trailingSlash ? "/" : "")
    }

    /// Whether a path is its own normal form: only unreserved characters and `/`, no empty segment and no
    /// segment starting with `.` (so no `.` or `..`). Most requests are; they skip the decoding.
    static func isAlreadyNormal(_ path: String) -> Bool {
        var previous = UInt8(ascii: "/")
        var first = true
        for byte in path.utf8 {
            defer { previous = byte; first = false }
            if first { continue }
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "~"):
                continue
            case UInt8(ascii: "."):
                if previous == UInt8(ascii: "/") { return false }
            case UInt8(ascii: "/"):
                // An empty segment, or one ending in a dot: the full walk looks at it.
                if previous == UInt8(ascii: "/") || previous == UInt8(ascii: ".") { return false }
            default:
                return false
            }
        }
        return previous != UInt8(ascii: ".")
    }

    /// The key routes and authorization rules are matched on: the normalized path, lower-cased,
    /// since many upstream frameworks match paths case-insensitively.
    public static func routingKey(_ target: String) throws(Refusal) -> String {
        try normalize(target).lowercased()
    }

    /// Percent-decodes one segment; refuses encoded separators, control characters and invalid UTF-8.
    static func decode(_ bytes: Substring.UTF8View.SubSequence) throws(Refusal) -> String {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            var byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                let high = bytes.index(after: index)
                guard high < bytes.endIndex, bytes.index(after: high) < bytes.endIndex,
                      let h = hexValue(bytes[high]), let l = hexValue(bytes[bytes.index(after: high)]) else { throw .invalidPercentEncoding }
                byte = h << 4 | l
                if byte == UInt8(ascii: "/") || byte == UInt8(ascii: "\\") { throw .encodedSeparator }
                index = bytes.index(index, offsetBy: 3)
            } else {
                index = bytes.index(after: index)
            }
            if byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "\\") { throw .controlCharacter }
            decoded.append(byte)
        }
        // String(validating:) refuses overlong forms, surrogates and truncated sequences.
        guard let text = String(validating: decoded, as: UTF8.self) else { throw .invalidUTF8 }
        return text
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
