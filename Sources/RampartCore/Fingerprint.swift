/// A stable identity for a finding: a hash of the rule id and the stable part
/// of its location (never line numbers, timestamps or response bodies), so the
/// same problem keeps the same fingerprint across runs, machines and formats.
///
/// Written by hand rather than taken from swift-crypto: it needs no secrecy,
/// only stability, and the core stays free of dependencies. Two independent
/// 64-bit FNV-1a lanes give 128 bits, so accidental collisions are negligible.
public enum Fingerprint {
    public static func of(ruleId: String, location: Location) -> String {
        hash(ruleId + "\u{1E}" + location.stableKey)
    }

    public static func hash(_ text: String) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in text.utf8 {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b ^ UInt64(byte ^ 0x5a)) &* 0x0000_0100_0000_01b3
        }
        return hex(a) + hex(b)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
