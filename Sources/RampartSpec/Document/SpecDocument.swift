import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A node together with where it is: the file and the JSON pointer inside that file.
public struct Cursor {
    public let node: SpecNode
    public let file: String
    public let pointer: String

    public init(node: SpecNode, file: String, pointer: String) {
        self.node = node
        self.file = file
        self.pointer = pointer
    }

    public subscript(key: String) -> Cursor? {
        node[key].map { Cursor(node: $0, file: file, pointer: pointer + "/" + Self.escape(key)) }
    }

    public var entries: [(key: String, cursor: Cursor)] {
        node.entries.map { ($0.key, Cursor(node: $0.node, file: file, pointer: pointer + "/" + Self.escape($0.key))) }
    }

    public var items: [Cursor] {
        node.items.enumerated().map { Cursor(node: $1, file: file, pointer: pointer + "/\($0)") }
    }

    /// An error about this node, for configuration files: `file:line:column: problem`.
    public func error(_ problem: String) -> SpecError {
        SpecError(file: file, line: node.reportLine, column: node.reportColumn, problem: problem)
    }

    /// The non-empty string at `key`, or an error naming the key.
    public func requiredString(_ key: String) throws(SpecError) -> String {
        guard let value = self[key] else { throw error("missing '\(key)'") }
        guard let text = value.node.scalarText, !text.isEmpty else { throw value.error("'\(key)' must be a non-empty string") }
        return text
    }

    /// RFC 6901 escaping of one pointer segment.
    public static func escape(_ key: String) -> String {
        guard key.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return key }
        return key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    public static func unescape(_ segment: Substring) -> String {
        guard segment.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "%") }) else { return String(segment) }
        let decoded = segment.removingPercentEncoding ?? String(segment)
        return decoded.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
    }
}

extension Array where Element == UInt8 {
    /// Byte-level substring search; Foundation's `String.contains` is far slower on large files.
    func contains(bytes text: String) -> Bool {
        let needle = Array(text.utf8)
        guard let first = needle.first else { return true }
        var i = startIndex
        while let found = self[i...].firstIndex(of: first) {
            if self[found...].starts(with: needle) { return true }
            i = found + 1
        }
        return false
    }
}

/// A `$ref` that could not be followed, kept so the audit can report it.
public struct BrokenReference: Hashable {
    public var reference: String
    public var file: String
    public var pointer: String
    public var reason: String
}

/// A loaded API description: the root file and every file its `$ref`s reach,
/// loaded on first use. Not thread-safe: one document belongs to one task.
public final class SpecDocument {
    public let rootFile: String
    public private(set) var root: Cursor
    private var files: [String: SpecNode] = [:]
    private var sources: [String: [UInt8]] = [:]
    private var failedFiles: [String: SpecError] = [:]
    public private(set) var brokenReferences: [BrokenReference] = []
    private var reportedBroken: Set<String> = []
    /// Most `$ref` hops followed in one chain before it is called a loop.
    static let maxHops = 64
    /// The folder (symbolic links resolved) that `$ref`s may read files from: a description under review must not
    /// be able to pull a key file or a kubeconfig into a report. Nil for a document from memory: it reads no files.
    public let referenceRoot: String?

    /// Loads the root file. Errors here (unreadable, not JSON/YAML) are fatal for the audit.
    /// - Parameter referenceRoot: the folder `$ref`s may read from (default: the root file's own folder).
    public init(path: String, referenceRoot: String? = nil) throws(SpecError) {
        rootFile = Self.normalize(path)
        let folder = referenceRoot ?? (rootFile as NSString).deletingLastPathComponent
        guard let resolved = Self.realPath(folder.isEmpty ? "." : folder) else {
            throw SpecError(file: referenceRoot ?? rootFile, problem: "the reference root folder '\(folder)' does not exist")
        }
        self.referenceRoot = resolved
        let (node, bytes) = try Self.read(rootFile, isRoot: true)
        files[rootFile] = node
        sources[rootFile] = bytes
        root = Cursor(node: node, file: rootFile, pointer: "")
    }

    /// A document from text in memory (tests, the bundled demo).
    public init(text: String, file: String) throws(SpecError) {
        rootFile = file
        referenceRoot = nil
        let bytes = Array(text.utf8)
        let node = try Self.parse(bytes, file: file)
        files[file] = node
        sources[file] = bytes
        root = Cursor(node: node, file: file, pointer: "")
    }

    /// How many files have been loaded so far.
    public var fileCount: Int { files.count }

    /// Reads and parses a file. Only regular files (and, for the root, a pipe such as `<(…)`): a device such as
    /// /dev/zero or /dev/stdin would never end.
    static func read(_ path: String, isRoot: Bool = false) throws(SpecError) -> (SpecNode, [UInt8]) {
        var status = stat()
        guard stat(path, &status) == 0 else { throw SpecError(file: path, problem: "no such file") }
        let type = status.st_mode & S_IFMT
        guard type != S_IFDIR else { throw SpecError(file: path, problem: "is a folder, not a spec file") }
        guard type == S_IFREG || (isRoot && type == S_IFIFO) else { throw SpecError(file: path, problem: "not a regular file (a device or socket)") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SpecError(file: path, problem: "cannot be read (permissions?)")
        }
        let bytes = [UInt8](data)
        return (try parse(bytes, file: path), bytes)
    }

    /// JSON goes through the fast reader; anything else (or JSON-looking YAML) through Yams.
    static func parse(_ bytes: [UInt8], file: String) throws(SpecError) -> SpecNode {
        let firstSignificant = bytes.drop { [0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }.first
        guard let firstSignificant else { throw SpecError(file: file, problem: "the file is empty") }
        let isJSONFile = file.lowercased().hasSuffix(".json")
        if isJSONFile || firstSignificant == UInt8(ascii: "{") || firstSignificant == UInt8(ascii: "[") {
            do {
                return try JSONReader.parse(bytes, file: file)
            } catch {
                if isJSONFile { throw error }
            }
        }
        if bytes.contains(0) { throw SpecError(file: file, problem: "binary file (contains NUL bytes), not JSON or YAML") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SpecError(file: file, problem: "not valid UTF-8 text")
        }
        return try YAMLReader.parse(text, file: file)
    }

    /// `a/./b/../c.yaml` → `a/c.yaml`, keeping the path relative if it was.
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    /// The node a JSON pointer names in a loaded file.
    public func node(file: String, pointer: String) -> SpecNode? {
        path(file: file, pointer: pointer)?.last
    }

    /// Every node from the file's root down to the one the pointer names.
    public func path(file: String, pointer: String) -> [SpecNode]? {
        guard var node = files[file] else { return nil }
        var nodes = [node]
        for segment in pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let key = Cursor.unescape(segment)
            if let child = node[key] {
                node = child
            } else if case .array(let items) = node.value, let i = Int(key), items.indices.contains(i) {
                node = items[i]
            } else {
                return nil
            }
            nodes.append(node)
        }
        return nodes
    }

    /// Whether any loaded file mentions `x-rampart-ignore`: most do not, and then no finding needs the ancestor walk.
    public var mentionsInlineIgnores: Bool {
        sources.values.contains { $0.contains(bytes: "x-rampart-ignore") }
    }

    /// Whether a file looks like the root of a description (a top-level `openapi` or `swagger` key)
    /// rather than a fragment of a multi-file one. Cheap: a byte search, no parse.
    public static func looksLikeDescription(_ bytes: [UInt8]) -> Bool {
        ["openapi", "swagger"].contains { key in
            bytes.contains(bytes: "\"\(key)\"") || bytes.starts(with: Array("\(key):".utf8)) || bytes.contains(bytes: "\n\(key):")
        }
    }

    /// Byte offset where each line starts, per file, built on first use.
    private var lineStarts: [String: [Int]] = [:]

    /// The evidence excerpt for a place: its source line from the first non-blank, at most `width` characters. On a
    /// long line (minified JSON) only the stretch around the column is read, so each excerpt costs the same however
    /// long the line: thousands of findings on one 2 MB line stay linear.
    public func excerpt(file: String, line: Int, column: Int, width: Int = 200) -> String? {
        guard let bytes = sources[file], line >= 1 else { return nil }
        if lineStarts[file] == nil {
            var starts = [0]
            for (i, byte) in bytes.enumerated() where byte == 0x0A { starts.append(i + 1) }
            lineStarts[file] = starts
        }
        guard let starts = lineStarts[file], line <= starts.count else { return nil }
        let lineStart = starts[line - 1]
        let place = min(bytes.count, lineStart + max(0, column - 1))
        var from = lineStart
        while from < place, bytes[from] == 0x20 || bytes[from] == 0x09 { from += 1 }
        let clipped = place - from > width / 2
        if clipped {
            from = place - width / 4
            while from < place, bytes[from] & 0xC0 == 0x80 { from += 1 }  // not inside a UTF-8 sequence
        }
        var end = from
        let limit = min(bytes.count, from + width * 4)
        while end < limit, bytes[end] != 0x0A, bytes[end] != 0x0D { end += 1 }
        let text = String(decoding: bytes[from..<end], as: UTF8.self).prefix(width)
        return clipped ? "…" + text : String(text)
    }

    /// Follows `$ref` (and chains of them) to the node they name; anything else is returned as is.
    /// A reference that cannot be followed is recorded once in `brokenReferences` and yields nil.
    public func resolve(_ cursor: Cursor) -> Cursor? {
        var current = cursor
        for _ in 0..<Self.maxHops {
            guard let reference = current.node["$ref"]?.string else { return current }
            guard let target = follow(reference, from: current) else { return nil }
            current = target
        }
        recordBroken(cursor, reference: cursor.node["$ref"]?.string ?? "", reason: "the $ref chain loops or is longer than \(Self.maxHops) hops")
        return nil
    }

    private func follow(_ reference: String, from cursor: Cursor) -> Cursor? {
        let hash = reference.firstIndex(of: "#")
        let filePart = String(hash.map { reference[..<$0] } ?? reference[...])
        let fragment = hash.map { String(reference[reference.index(after: $0)...]) } ?? ""
        var file = cursor.file
        if !filePart.isEmpty {
            if filePart.contains("://") {
                recordBroken(cursor, reference: reference, reason: "remote references are not fetched")
                return nil
            }
            let decoded = filePart.removingPercentEncoding ?? filePart
            let base = (cursor.file as NSString).deletingLastPathComponent
            file = Self.normalize(decoded.hasPrefix("/") ? decoded : (base.isEmpty ? decoded : base + "/" + decoded))
            if let refusal = confinementProblem(file) {
                recordBroken(cursor, reference: reference, reason: refusal)
                return nil
            }
            guard load(file, from: cursor, reference: reference) else { return nil }
        }
        guard fragment.isEmpty || fragment.hasPrefix("/") else {
            recordBroken(cursor, reference: reference, reason: "only JSON-pointer fragments (#/…) are supported")
            return nil
        }
        guard let node = node(file: file, pointer: fragment) else {
            recordBroken(cursor, reference: reference, reason: "nothing at \(fragment.isEmpty ? "/" : fragment) in \(file)")
            return nil
        }
        let pointer = fragment.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            .map { "/" + Cursor.escape(Cursor.unescape($0)) }.joined()
        return Cursor(node: node, file: file, pointer: pointer)
    }

    /// Why a referenced file may not be read, or nil if it may: it must lie inside the reference root once every
    /// symbolic link is resolved. The reason names the rule, never anything of the file (not even whether it exists
    /// when it lies outside).
    private func confinementProblem(_ file: String) -> String? {
        guard let referenceRoot else { return "a document given as text cannot reference other files" }
        let outside = "refused: outside the folder $refs may read (\(referenceRoot); see --ref-root)"
        let absolute = file.hasPrefix("/") ? file : Self.normalize(FileManager.default.currentDirectoryPath + "/" + file)
        guard Self.isInside(absolute, referenceRoot) || Self.isInside(Self.realPath((absolute as NSString).deletingLastPathComponent) ?? "/", referenceRoot) else {
            return outside
        }
        guard let resolved = Self.realPath(absolute) else { return nil }  // missing: reported as such when loading
        return Self.isInside(resolved, referenceRoot) ? nil : outside
    }

    static func isInside(_ path: String, _ folder: String) -> Bool {
        folder == "/" || path == folder || path.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
    }

    /// The absolute path with every symbolic link, `.` and `..` resolved, or nil if it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private func load(_ file: String, from cursor: Cursor, reference: String) -> Bool {
        if files[file] != nil { return true }
        if let error = failedFiles[file] {
            recordBroken(cursor, reference: reference, reason: error.description)
            return false
        }
        do {
            let (node, bytes) = try Self.read(file)
            files[file] = node
            sources[file] = bytes
            return true
        } catch {
            failedFiles[file] = error
            recordBroken(cursor, reference: reference, reason: error.description)
            return false
        }
    }

    private func recordBroken(_ cursor: Cursor, reference: String, reason: String) {
        let key = cursor.file + "#" + cursor.pointer
        guard reportedBroken.insert(key).inserted else { return }
        brokenReferences.append(BrokenReference(reference: reference, file: cursor.file, pointer: cursor.pointer, reason: reason))
    }
}
