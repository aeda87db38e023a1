import NIOCore
import NIOHTTP1

/// The headers of a message being passed on, rewritten without copying them: names to drop and headers to
/// append are collected, then applied in the one pass that writes the head. (Editing `HTTPHeaders` in place
/// costs a scan and often a copy per removed name, and a proxy removes a dozen names from every message.)
struct HeaderRewrite {
    enum Source {
        case text(HTTPHeaders)
        case raw(RawHeaders)
    }

    let source: Source
    /// Names of the source headers to leave out: a fixed set shared by every message, and this message's own.
    private let standard: HeaderNames
    private var dropped: [String]
    /// Bit n is set when a name in `dropped` has n bytes, so most headers are kept without comparing names.
    private var droppedLengths: UInt64
    private(set) var appended: [(String, String)]

    private init(_ source: Source, standard: HeaderNames, appended: [(String, String)]) {
        self.source = source
        self.standard = standard
        dropped = []
        droppedLengths = 0
        self.appended = appended
    }

    init(_ source: HTTPHeaders, dropping standard: HeaderNames = .none) {
        var appended: [(String, String)] = []
        appended.reserveCapacity(8)
        self.init(.text(source), standard: standard, appended: appended)
    }

    /// `spare` lends the list of appended headers: one kept from an earlier rewrite (`appended`) is used again once
    /// nothing else holds it, an allocation fewer per message.
    init(_ source: RawHeaders, dropping standard: HeaderNames = .none, reusing spare: inout [(String, String)]) {
        var appended = spare
        spare = []
        appended.removeAll(keepingCapacity: true)
        appended.reserveCapacity(8)
        self.init(.raw(source), standard: standard, appended: appended)
    }

    /// Leaves out every source header called `name`, and any appended one.
    mutating func drop(_ name: String) {
        dropped.append(name)
        droppedLengths |= name.utf8.count < 64 ? 1 << UInt64(name.utf8.count) : 1
        if appended.contains(where: { Self.sameName($0.0, name) }) { appended.removeAll { Self.sameName($0.0, name) } }
    }

    mutating func drop(_ names: [String]) {
        for name in names { drop(name) }
    }

    mutating func add(_ name: String, _ value: String) {
        appended.append((name, value))
    }

    /// `name` with this value only.
    mutating func replace(_ name: String, _ value: String) {
        drop(name)
        appended.append((name, value))
    }

    /// Calls `body` with the name and value of each source header that is kept, until it returns false.
    private func forEachKept(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool) {
        switch source {
        case .raw(let headers):
            headers.forEach { name, value in kept(name) ? body(name, value) : true }
        case .text(let headers):
            for (name, value) in headers {
                var name = name
                var value = value
                let goOn = name.withUTF8 { name in
                    value.withUTF8 { value in kept(UnsafeRawBufferPointer(name)) ? body(UnsafeRawBufferPointer(name), UnsafeRawBufferPointer(value)) : true }
                }
                if !goOn { return }
            }
        }
    }

    private func kept(_ name: UnsafeRawBufferPointer) -> Bool {
        if standard.contains(name) { return false }
        // Names of 64 bytes or more are always compared (they set bit 0, which no name sets otherwise).
        let bit: UInt64 = name.count < 64 ? 1 << UInt64(name.count) : 1
        return droppedLengths & bit == 0 || !dropped.contains { Self.sameName(name, $0) }
    }

    /// Whether the rewritten headers have one called `name`.
    func contains(_ name: String) -> Bool {
        // The source is searched by name first: most names differ in length, and whether a name is kept costs more.
        appended.contains { Self.sameName($0.0, name) } || sourceValue(name, { _ in () }) != nil && keeps(name)
    }

    /// The first value of `name` among the rewritten headers.
    func first(_ name: String) -> String? {
        (sourceValue(name) { String(decoding: $0, as: UTF8.self) }.flatMap { keeps(name) ? $0 : nil }) ?? appended.first { Self.sameName($0.0, name) }?.1
    }

    /// Whether source headers called `name` are kept (they all are or none: the rules go by name).
    private func keeps(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { kept(UnsafeRawBufferPointer($0)) }
    }

    /// `value` of the first source header called `name`, kept or not.
    private func sourceValue<Value>(_ name: String, _ value: (UnsafeRawBufferPointer) -> Value) -> Value? {
        switch source {
        case .raw(let headers):
            return headers.first(name: name, value)
        case .text(let headers):
            guard var text = headers.first(name: name) else { return nil }
            return text.withUTF8 { value(UnsafeRawBufferPointer($0)) }
        }
    }

    /// The rewritten headers, in order: the kept source headers, then the appended ones.
    var headers: HTTPHeaders {
        var headers = HTTPHeaders()
        forEachKept { name, value in
            headers.add(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self))
            return true
        }
        for (name, value) in appended { headers.add(name: name, value: value) }
        return headers
    }

    /// The most bytes `write` can write.
    var maximumByteCount: Int {
        let source = switch source {
        case .raw(let headers): headers.head.readableBytes
        case .text(let headers): headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
        }
        return appended.reduce(source + 2) { $0 + $1.0.utf8.count + $1.1.utf8.count + 4 }
    }

    /// Writes the header lines and the blank line that ends the head.
    func write(into writer: inout HeadBytesWriter) {
        switch source {
        case .raw(let headers):
            // The kept lines are copied as they arrived, each run of neighbouring kept lines in one copy.
            headers.head.withUnsafeReadableBytes { bytes in
                var run = 0..<0
                for field in headers.fields {
                    guard kept(UnsafeRawBufferPointer(rebasing: bytes[field.nameStart..<field.nameEnd])) else { continue }
                    if run.upperBound == field.nameStart {
                        run = run.lowerBound..<field.lineEnd
                    } else {
                        if !run.isEmpty { writer.append(UnsafeRawBufferPointer(rebasing: bytes[run])) }
                        run = field.nameStart..<field.lineEnd
                    }
                }
                if !run.isEmpty { writer.append(UnsafeRawBufferPointer(rebasing: bytes[run])) }
            }
        case .text:
            forEachKept { name, value in
                writer.append(name)
                writer.append(": ")
                writer.append(value)
                writer.append("\r\n")
                return true
            }
        }
        for (name, value) in appended {
            writer.append(name)
            writer.append(": ")
            writer.append(value)
            writer.append("\r\n")
        }
        writer.append("\r\n")
    }

    /// Whether two header names are the same, ignoring ASCII case; compared on bytes (no lower-cased copies).
    static func sameName(_ name: String, _ other: String) -> Bool {
        guard name.utf8.count == other.utf8.count else { return false }
        // Native strings lend their bytes in place (a `var` copy for `withUTF8` would cost a reference count).
        return name.utf8.withContiguousStorageIfAvailable { sameName(UnsafeRawBufferPointer($0), other) }
            ?? name.utf8.elementsEqual(other.utf8) { lower($0) == lower($1) }
    }

    static func sameName(_ name: UnsafeRawBufferPointer, _ other: String) -> Bool {
        guard name.count == other.utf8.count else { return false }
        return other.utf8.withContiguousStorageIfAvailable { other in
            for index in 0..<name.count where lower(name[index]) != lower(other[index]) { return false }
            return true
        } ?? name.elementsEqual(other.utf8) { lower($0) == lower($1) }
    }

    static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }
}

/// A fixed set of header names, looked up by length first (most names have a length none of the set has),
/// then by their bytes, ignoring ASCII case. The names are kept lower-cased in one byte array (an array per
/// name would cost a reference count per name compared).
struct HeaderNames: Sendable {
    private let bytes: [UInt8]
    private let ranges: [Range<Int>]
    /// Bit n is set when a name of the set has n bytes (names of 64 bytes or more set no bit and are always compared).
    private let lengths: UInt64

    static let none = HeaderNames([])

    init(_ names: [String]) {
        var bytes: [UInt8] = []
        ranges = names.map { name in
            let start = bytes.count
            bytes += name.lowercased().utf8
            return start..<bytes.count
        }
        self.bytes = bytes
        lengths = names.reduce(0) { $1.utf8.count < 64 ? $0 | 1 << UInt64($1.utf8.count) : $0 }
    }

    func contains(_ name: UnsafeRawBufferPointer) -> Bool {
        if name.count < 64 && lengths & 1 << UInt64(name.count) == 0 { return false }
        return bytes.withUnsafeBufferPointer { bytes in
            ranges.contains { range in
                range.count == name.count && (0..<name.count).allSatisfy { bytes[range.lowerBound + $0] == HeaderRewrite.lower(name[$0]) }
            }
        }
    }
}
