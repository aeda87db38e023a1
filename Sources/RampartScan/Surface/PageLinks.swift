import Foundation

/// A form found in a page: where it sends, how, and the fields it sends with their default values.
struct PageForm: Equatable {
    var method: String
    var action: URL
    var fields: [(name: String, value: String, type: String)]
    var takesPassword: Bool { fields.contains { $0.type == "password" } }

    static func == (a: PageForm, b: PageForm) -> Bool {
        a.method == b.method && a.action == b.action && a.fields.map(\.name) == b.fields.map(\.name)
    }
}

/// The links and forms of one answer: `href`, `src` and `action` of HTML, and path-like strings of JSON.
/// A tolerant scan of tags, not a DOM: real pages are often not well-formed, and only these attributes matter.
struct PageLinks {
    var links: [URL] = []
    var forms: [PageForm] = []

    static let tagPattern = try! NSRegularExpression(pattern: #"<(/?)(a|area|form|input|textarea|select|option|button|img|iframe|frame|script|link|source)\b([^>]*)>"#,
                                                     options: [.caseInsensitive])
    static let attributePattern = try! NSRegularExpression(pattern: #"([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*("([^"]*)"|'([^']*)'|([^\s"'>]+))"#)

    init(page: URL, text: String, contentType: String) {
        if contentType.contains("json") || text.first == "{" || text.first == "[" {
            if let data = text.data(using: .utf8), let json = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) {
                collect(json: json, page: page, depth: 0)
                return
            }
        }
        parse(html: text, page: page)
    }

    private mutating func collect(json: Any, page: URL, depth: Int) {
        guard depth < 12, links.count < 500 else { return }
        switch json {
        case let object as [String: Any]: for value in object.values { collect(json: value, page: page, depth: depth + 1) }
        case let array as [Any]: for value in array.prefix(100) { collect(json: value, page: page, depth: depth + 1) }
        case let text as String:
            // Absolute paths and same-site URLs; words, sentences and ids are not links.
            guard text.count < 300, !text.contains(" "), text.hasPrefix("/") || text.hasPrefix("http://") || text.hasPrefix("https://"),
                  !text.hasPrefix("//"), let url = URL(string: text, relativeTo: page)?.absoluteURL else { return }
            links.append(url)
        default: return
        }
    }

    private mutating func parse(html: String, page: URL) {
        let text = html as NSString
        let base = page
        var form: PageForm?
        for match in Self.tagPattern.matches(in: html, range: NSRange(location: 0, length: text.length)) {
            let closing = text.substring(with: match.range(at: 1)) == "/"
            let tag = text.substring(with: match.range(at: 2)).lowercased()
            let attributes = Self.attributes(text.substring(with: match.range(at: 3)))
            if tag == "form" {
                if let open = form { forms.append(open) }
                form = nil
                guard !closing else { continue }
                let action = attributes["action"].flatMap { $0.isEmpty ? nil : URL(string: Self.decodeEntities($0), relativeTo: base)?.absoluteURL } ?? page
                form = PageForm(method: (attributes["method"] ?? "GET").uppercased() == "POST" ? "POST" : "GET", action: action, fields: [])
                continue
            }
            guard !closing else { continue }
            for key in ["href", "src"] {
                guard let value = attributes[key], !value.isEmpty, !value.hasPrefix("#"), !value.lowercased().hasPrefix("javascript:"),
                      !value.lowercased().hasPrefix("mailto:"), !value.lowercased().hasPrefix("data:"),
                      let url = URL(string: Self.decodeEntities(value), relativeTo: base)?.absoluteURL else { continue }
                links.append(url)
            }
            guard form != nil, ["input", "textarea", "select", "button"].contains(tag), let name = attributes["name"], !name.isEmpty else { continue }
            let type = (attributes["type"] ?? (tag == "input" ? "text" : tag)).lowercased()
            guard !["file", "image", "reset"].contains(type) else { continue }
            var value = attributes["value"] ?? ""
            if tag == "textarea" {
                // A textarea's value is its content.
                let after = match.range.location + match.range.length
                let rest = text.range(of: "</textarea", options: .caseInsensitive, range: NSRange(location: after, length: text.length - after))
                if rest.location != NSNotFound { value = text.substring(with: NSRange(location: after, length: rest.location - after)) }
            }
            form?.fields.append((name, Self.decodeEntities(value), type))
        }
        if let open = form { forms.append(open) }
    }

    static func attributes(_ text: String) -> [String: String] {
        let source = text as NSString
        var result: [String: String] = [:]
        for match in attributePattern.matches(in: text, range: NSRange(location: 0, length: source.length)) {
            let name = source.substring(with: match.range(at: 1)).lowercased()
            let value = (3...5).lazy.compactMap { match.range(at: $0).location == NSNotFound ? nil : source.substring(with: match.range(at: $0)) }.first ?? ""
            if result[name] == nil { result[name] = value }
        }
        return result
    }

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
    }
}
