import Foundation

/// Request bodies for operations that take XML: one element per field under a root, text escaped.
enum XMLBody {
    static func document(root: String, fields: [String: Any], order: [String]) -> String {
        let names = order.filter { fields[$0] != nil } + fields.keys.filter { !order.contains($0) }.sorted()
        let elements = names.map { name -> String in
            let value = fields[name].map { $0 is [String: Any] || $0 is [Any] ? "" : "\($0)" } ?? ""
            return "<\(name)>\(escaped(value))</\(name)>"
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<\(root)>\(elements.joined())</\(root)>"
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
