import Foundation
import NIOCore

/// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`, or one address), for
/// client allow and deny lists.
public struct AddressRange: Sendable, Equatable {
    let network: [UInt8]
    let prefixLength: Int

    /// nil when `text` is not an address or CIDR range.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let bytes = Self.bytes(parts[0]) else { return nil }
        let length = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
        guard let length, (0...bytes.count * 8).contains(length) else { return nil }
        network = bytes
        prefixLength = length
    }

    public func contains(_ address: [UInt8]) -> Bool {
        guard address.count == network.count else { return false }
        var remaining = prefixLength
        for (a, b) in zip(address, network) where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if a & mask != b & mask { return false }
            remaining -= bits
        }
        return true
    }

    /// The 4 or 16 bytes of an address written as text.
    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// A peer's address bytes; an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) counts as the IPv4 address.
    static func bytes(of address: SocketAddress?) -> [UInt8] {
        guard let text = address?.ipAddress, var bytes = bytes(text) else { return [] }
        if bytes.count == 16, bytes.prefix(10).allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { bytes = Array(bytes.suffix(4)) }
        return bytes
    }
}

/// Which clients may use the gateway or a route: none in `deny`, and, if `allow` is not empty, one in `allow`.
public struct ClientFilter: Sendable {
    public var allow: [AddressRange] = []
    public var deny: [AddressRange] = []

    var isEmpty: Bool { allow.isEmpty && deny.isEmpty }

    /// Why the client is refused, or nil when it may pass.
    func refusal(_ address: [UInt8]) -> String? {
        if deny.contains(where: { $0.contains(address) }) { return "client address is on the deny list" }
        if !allow.isEmpty && !allow.contains(where: { $0.contains(address) }) { return "client address is not on the allow list" }
        return nil
    }
}
