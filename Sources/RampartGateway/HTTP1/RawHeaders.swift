import NIOCore
import NIOHTTP1

/// The headers of a message as they arrived: the bytes of its head and where each name and value is in them.
/// Passing an answer on reads its headers once and copies the kept ones byte for byte; no text is made of
/// them unless something asks.
struct RawHeaders {
    /// The head, from its first line to the blank line that ends it.
    let head: ByteBuffer
    let fields: [HeadParser.Field]

    /// Calls `body` with each header's name and value, until it returns false.
    func forEach(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool) {
        head.withUnsafeReadableBytes { bytes in
            for field in fields {
                guard body(UnsafeRawBufferPointer(rebasing: bytes[field.nameStart..<field.nameEnd]),
                           UnsafeRawBufferPointer(rebasing: bytes[field.valueStart..<field.valueEnd])) else { return }
            }
        }
    }

    /// `value` of the first header called `name` (compared ignoring case), or nil if there is none.
    func first<Value>(name: String, _ value: (UnsafeRawBufferPointer) -> Value) -> Value? {
        var found: Value?
        forEach { fieldName, fieldValue in
            guard HeaderRewrite.sameName(fieldName, name) else { return true }
            found = value(fieldValue)
            return false
        }
        return found
    }

    /// The same lookups as `HTTPHeaders`', for the policies: only the values asked for become text.
    func first(name: String) -> String? { first(name: name) { String(decoding: $0, as: UTF8.self) } }

    func contains(name: String) -> Bool { first(name: name) { _ in () } != nil }

    var count: Int { fields.count }

    /// Every value of `name`, in order.
    subscript(name name: String) -> [String] {
        var values: [String] = []
        forEach { fieldName, value in
            if HeaderRewrite.sameName(fieldName, name) { values.append(String(decoding: value, as: UTF8.self)) }
            return true
        }
        return values
    }

    /// All of them as text.
    var text: HTTPHeaders {
        var headers = HTTPHeaders()
        headers.reserveCapacity(fields.count)
        forEach { name, value in
            headers.add(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self))
            return true
        }
        return headers
    }

    /// The names containing `_` (lower case), most often none.
    func underscoredNames() -> [String] {
        var names: [String] = []
        forEach { name, _ in
            if name.contains(UInt8(ascii: "_")) { names.append(String(decoding: name, as: UTF8.self).lowercased()) }
            return true
        }
        return names
    }

    /// What the `Connection` headers say: `close`, `keep-alive`, and the other headers they name (which are
    /// hop-by-hop too; `Transfer-Encoding` is not counted, bodies are re-framed with it). Read on bytes.
    func connectionOptions() -> ConnectionOptions {
        var options = ConnectionOptions()
        forEach { name, value in
            guard HeaderRewrite.sameName(name, "connection") else { return true }
            var start = 0
            while start <= value.count {
                // The comma-separated tokens, walked without an array of them.
                let end = value[start...].firstIndex(of: UInt8(ascii: ",")) ?? value.count
                let token = UnsafeRawBufferPointer(rebasing: value[start..<end]).trimmingSpaces
                start = end + 1
                if HeaderRewrite.sameName(token, "close") {
                    options.close = true
                } else if HeaderRewrite.sameName(token, "keep-alive") {
                    options.keepAlive = true
                } else if !token.isEmpty && !ConnectionOptions.neverHopByHop.contains(where: { HeaderRewrite.sameName(token, $0) }) {
                    options.named.append(String(decoding: token, as: UTF8.self).lowercased())
                }
            }
            return true
        }
        return options
    }

    /// How the body after this head ends; nil for a `Content-Length` that is repeated or not a number.
    func bodyFraming(withoutLength: BodyFraming) -> BodyFraming? {
        var length: Int?
        var encoding: String?
        var malformed = false
        forEach { name, value in
            if HeaderRewrite.sameName(name, "transfer-encoding") {
                encoding = String(decoding: value, as: UTF8.self)
            } else if HeaderRewrite.sameName(name, "content-length") {
                guard length == nil, !value.isEmpty, value.count < 19, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                    malformed = true
                    return false
                }
                length = value.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            }
            return true
        }
        if let encoding { return encoding.split(separator: ",").last?.trimmingSpaces.lowercased() == "chunked" ? .chunked : .untilClose }
        if malformed { return nil }
        return length.map { $0 == 0 ? .none : .length($0) } ?? withoutLength
    }
}

/// A response head as it arrived from the upstream.
struct RawResponseHead {
    var version: HTTPVersion
    var status: HTTPResponseStatus
    var headers: RawHeaders
    /// How its body ends, as the decoder read it (`.none` for answers to HEAD, 204 and 304, whatever their headers say).
    var framing = BodyFraming.none
    /// What its `Connection` headers say, read once by the decoder.
    var connection = ConnectionOptions()

    /// Whether the upstream keeps the connection open after this answer.
    var isKeepAlive: Bool { connection.keepsAlive(version) }
}

/// What a message's `Connection` headers say.
struct ConnectionOptions {
    var close = false
    var keepAlive = false
    /// The other headers they name, lower-cased: hop-by-hop too.
    var named: [String] = []
    /// Headers a `Connection` header may not remove: what the message needs to be read (Host, the framing) and what
    /// the gateway itself relies on. `Connection: Host` once made the gateway send an HTTP/1.1 request without Host.
    static let neverHopByHop = ["host", "content-length", "transfer-encoding", "authorization", "content-type", "cookie", "x-correlation-id"]

    /// Whether the connection stays open after the message (RFC 9112 §9.3): HTTP/1.1 unless `close`, HTTP/1.0 only with `keep-alive`.
    func keepsAlive(_ version: HTTPVersion) -> Bool { version.minor >= 1 ? !close : keepAlive && !close }
}

extension UnsafeRawBufferPointer {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: UnsafeRawBufferPointer {
        var start = 0
        var end = count
        while start < end, self[start] == 0x20 || self[start] == 0x09 { start += 1 }
        while end > start, self[end - 1] == 0x20 || self[end - 1] == 0x09 { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: self[start..<end])
    }
}
