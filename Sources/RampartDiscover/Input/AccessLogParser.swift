/// NCSA common and combined log lines (nginx's and Apache's defaults):
/// `client ident user [10/Oct/2000:13:55:36 -0700] "GET /path?q=1 HTTP/1.1" 200 2326 "referer" "agent"`.
/// Parsed on bytes: a million lines must take well under the five seconds the whole run may.
enum AccessLogParser {
    static func parse(_ line: ArraySlice<UInt8>) -> TrafficRecord? {
        var cursor = Cursor(bytes: line)
        guard let client = cursor.field(), cursor.field() != nil, let user = cursor.field() else { return nil }
        guard cursor.take(UInt8(ascii: "[")), let date = cursor.until(UInt8(ascii: "]")) else { return nil }
        cursor.skipSpaces()
        guard cursor.take(UInt8(ascii: "\"")), let request = cursor.quoted() else { return nil }
        cursor.skipSpaces()
        guard let statusField = cursor.field(), let status = Int(decimal: statusField), (100...599).contains(status) else { return nil }
        // The request line: METHOD TARGET [PROTOCOL]. A line of garbage (a TLS handshake sent to port 80) is "400 -".
        let parts = request.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else { return nil }
        var target = Substring(decoding: parts[1], as: UTF8.self)
        var host: String?
        // A proxy's log names the whole URL.
        if target.hasPrefix("http://") || target.hasPrefix("https://") {
            let afterScheme = target[target.index(target.firstIndex(of: ":")!, offsetBy: 3)...]
            let slash = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
            host = String(afterScheme[..<slash])
            target = slash == afterScheme.endIndex ? "/" : afterScheme[slash...]
        }
        guard target.hasPrefix("/") else { return nil }
        let (path, query) = TrafficRecord.splitTarget(target)
        return TrafficRecord(method: String(decoding: parts[0], as: UTF8.self), host: host, path: path, query: query, status: status,
                             time: Timestamp.ncsa(date), client: String(decoding: client, as: UTF8.self),
                             identity: user.elementsEqual("-".utf8) ? nil : String(decoding: user, as: UTF8.self))
    }

    private struct Cursor {
        let bytes: ArraySlice<UInt8>
        var index: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            index = bytes.startIndex
        }

        mutating func skipSpaces() {
            while index < bytes.endIndex && bytes[index] == UInt8(ascii: " ") { index += 1 }
        }

        /// The next space-delimited field.
        mutating func field() -> ArraySlice<UInt8>? {
            skipSpaces()
            let start = index
            while index < bytes.endIndex && bytes[index] != UInt8(ascii: " ") { index += 1 }
            return index > start ? bytes[start..<index] : nil
        }

        mutating func take(_ byte: UInt8) -> Bool {
            skipSpaces()
            guard index < bytes.endIndex && bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func until(_ byte: UInt8) -> ArraySlice<UInt8>? {
            guard let end = bytes[index...].firstIndex(of: byte) else { return nil }
            defer { index = end + 1 }
            return bytes[index..<end]
        }

        /// Up to the closing quote; nginx escapes a quote inside as `\x22`, Apache as `\"`.
        mutating func quoted() -> ArraySlice<UInt8>? {
            let start = index
            while index < bytes.endIndex {
                if bytes[index] == UInt8(ascii: "\\") { index += 2; continue }
                if bytes[index] == UInt8(ascii: "\"") {
                    defer { index += 1 }
                    return bytes[start..<index]
                }
                index += 1
            }
            return nil
        }
    }
}

extension Int {
    init?(decimal bytes: ArraySlice<UInt8>) {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        self = value
    }
}

/// The two time formats the inputs use, to seconds since 1970, without Foundation's slow date parsers.
enum Timestamp {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].map { Array($0.utf8) }

    /// `10/Oct/2000:13:55:36 -0700`
    static func ncsa(_ text: ArraySlice<UInt8>) -> Double? {
        let bytes = Array(text)
        guard bytes.count >= 20, bytes[2] == UInt8(ascii: "/"), bytes[6] == UInt8(ascii: "/"),
              let day = number(bytes, 0, 2), let year = number(bytes, 7, 4), let hour = number(bytes, 12, 2),
              let minute = number(bytes, 15, 2), let second = number(bytes, 18, 2),
              let month = months.firstIndex(where: { $0.elementsEqual(bytes[3..<6]) }) else { return nil }
        var offset = 0
        if bytes.count >= 26, let zone = number(bytes, 22, 4) {
            offset = (zone / 100 * 3600 + zone % 100 * 60) * (bytes[21] == UInt8(ascii: "-") ? -1 : 1)
        }
        return seconds(year: year, month: month + 1, day: day, hour: hour, minute: minute, second: Double(second)) - Double(offset)
    }

    /// ISO 8601 as HAR writes it: `2024-05-01T12:00:00.123Z` or with `+02:00`.
    static func iso8601(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19, let year = number(bytes, 0, 4), let month = number(bytes, 5, 2), let day = number(bytes, 8, 2),
              let hour = number(bytes, 11, 2), let minute = number(bytes, 14, 2), let second = number(bytes, 17, 2) else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            var scale = 0.1
            index += 1
            while index < bytes.count, let digit = number(bytes, index, 1) {
                fraction += Double(digit) * scale
                scale /= 10
                index += 1
            }
        }
        var offset = 0
        if index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"),
           let zoneHour = number(bytes, index + 1, 2), let zoneMinute = number(bytes, index + 4, 2) {
            offset = (zoneHour * 3600 + zoneMinute * 60) * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
        }
        return seconds(year: year, month: month, day: day, hour: hour, minute: minute, second: Double(second) + fraction) - Double(offset)
    }

    private static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= bytes.count else { return nil }
        return Int(decimal: bytes[start..<start + count])
    }

    /// Days from the civil date (Howard Hinnant's algorithm), then seconds.
    private static func seconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Double) -> Double {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Double(days * 86400 + hour * 3600 + minute * 60) + second
    }
}
