import Foundation

/// JSON text written by hand where an encoder would be too slow or would reorder keys.
public enum JSONText {
    /// A JSON string literal: quotes, backslashes and control characters escaped (and U+2028/2029, which some
    /// JavaScript readers take for line ends).
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
