import Foundation
import RampartSpec

/// A request written in `rampart.yml`: for sign-up, login and `setup:` steps.
public struct RequestTemplate: Sendable {
    public var method: String
    /// A path relative to the target, or a full URL (which must still be in scope).
    public var path: String
    public var headers: [(name: String, value: String)] = []
    public var body: Data?
    /// Where in the file it was written, for error messages.
    public var place: String

    /// The body's fields: a JSON object's (sorted by name) or a form's (in the order written); nil without such a body.
    public var bodyFields: [(name: String, value: Any)]? {
        guard let body else { return nil }
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            return object.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
        guard isForm else { return nil }
        var form = URLComponents()
        form.percentEncodedQuery = String(decoding: body, as: UTF8.self)
        return form.queryItems?.map { ($0.name, $0.value ?? "") }
    }

    public var isForm: Bool {
        headers.contains { $0.name.lowercased() == "content-type" && $0.value.lowercased().hasPrefix("application/x-www-form-urlencoded") }
    }

    /// The same request with one body field changed (JSON or form, the other fields and their order kept).
    public func replacing(field name: String, with value: String) -> RequestTemplate {
        guard let body else { return self }
        var copy = self
        if var object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            object[name] = value
            copy.body = try? JSONSerialization.data(withJSONObject: object)
        } else if isForm, var form = URLComponents(string: "?" + String(decoding: body, as: UTF8.self)) {
            form.queryItems = form.queryItems?.map { $0.name == name ? URLQueryItem(name: name, value: value) : $0 }
            copy.body = Data((form.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B").utf8)
        }
        return copy
    }

    public func request(base: URL) -> OutboundRequest? {
        let url = path.hasPrefix("http://") || path.hasPrefix("https://") ? URL(string: path) : URL(string: path, relativeTo: base)?.absoluteURL
        return url.map { OutboundRequest(method: method, url: $0, headers: headers, body: body) }
    }
}

/// How an identity proves who it is.
public enum Authentication: Sendable {
    case none
    case headers([(name: String, value: String)])
    case basic(username: String, password: String)
    case apiKey(name: String, location: String, value: String)
    case cookies([(name: String, value: String)])
    /// A login request; the token is read from the JSON response at `tokenPointer` or from the cookie `cookie`,
    /// and sent as header `header` formatted by `format` (`{token}` is replaced).
    case login(RequestTemplate, tokenPointer: String?, cookie: String?, header: String, format: String)
    case clientCredentials(tokenURL: String, clientID: String, clientSecret: String, scope: String?)
}

public struct Identity: Sendable {
    public var name: String
    public var role: String
    public var authentication: Authentication
    public var signup: RequestTemplate?

    public init(name: String, role: String, authentication: Authentication, signup: RequestTemplate? = nil) {
        self.name = name
        self.role = role
        self.authentication = authentication
        self.signup = signup
    }

    public var isAdmin: Bool { role.lowercased().contains("admin") }
}

/// The `scan:` section of `rampart.yml`. Validated on load: unknown keys, wrong types and missing
/// environment variables are errors naming the file, line and key.
public struct ScanConfiguration: Sendable {
    public var identities: [Identity] = []
    public var setup: [RequestTemplate] = []
    /// Operations of an API without a description (`GET /protected`, or a request with an example body), for the scan to start from.
    public var endpoints: [RequestTemplate] = []

    public init() {}

    public static let keys = ["identities", "setup", "endpoints"]

    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(SpecError) -> ScanConfiguration {
        let document = try SpecDocument(path: path)
        return try parse(document.root, environment: environment)
    }

    public static func parse(_ root: Cursor, environment: [String: String] = ProcessInfo.processInfo.environment) throws(SpecError) -> ScanConfiguration {
        var reader = ConfigReader(environment: environment)
        guard let scan = root["scan"], case .object = scan.node.value else {
            if let scan = root["scan"], case .null = scan.node.value { return ScanConfiguration() }
            if let scan = root["scan"] { throw scan.error("'scan' must be a mapping (identities:, setup:)") }
            return ScanConfiguration()
        }
        var configuration = ScanConfiguration()
        for (key, cursor) in scan.entries {
            switch key {
            case "identities":
                guard case .object = cursor.node.value else { throw cursor.error("'scan.identities' must map names to identities") }
                for (name, entry) in cursor.entries { configuration.identities.append(try reader.identity(name, entry)) }
            case "setup":
                guard case .array = cursor.node.value else { throw cursor.error("'scan.setup' must be a list of requests") }
                for item in cursor.items { configuration.setup.append(try reader.request(item, what: "a setup step")) }
            case "endpoints":
                guard case .array = cursor.node.value else { throw cursor.error("'scan.endpoints' must be a list ('GET /path' or {method, path, json|form})") }
                for item in cursor.items { configuration.endpoints.append(try reader.endpoint(item)) }
            default:
                throw cursor.error("unknown key 'scan.\(key)' (expected: \(keys.joined(separator: ", ")))")
            }
        }
        return configuration
    }
}

/// Reads the typed pieces of the scan section, substituting `${ENV}` and `${ENV:-default}` in strings.
struct ConfigReader {
    var environment: [String: String]

    func string(_ cursor: Cursor, _ what: String) throws(SpecError) -> String {
        guard let text = cursor.node.scalarText else { throw cursor.error("\(what) must be a string") }
        return try substitute(text, at: cursor)
    }

    func substitute(_ text: String, at cursor: Cursor) throws(SpecError) -> String {
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { throw cursor.error("unclosed '${' in '\(text)'") }
            let expression = rest[start.upperBound..<end]
            let parts = expression.split(separator: ":-", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            guard name.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil else { throw cursor.error("'${\(expression)}' is not an environment variable reference") }
            if let value = environment[name] {
                result += value
            } else if parts.count == 2 {
                result += parts[1]
            } else {
                throw cursor.error("environment variable \(name) is not set (write ${\(name):-default} for a fallback)")
            }
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    func mapping(_ cursor: Cursor, _ what: String) throws(SpecError) -> [(name: String, value: String)] {
        guard case .object = cursor.node.value else { throw cursor.error("\(what) must be a mapping of names to values") }
        var pairs: [(name: String, value: String)] = []
        for (key, value) in cursor.entries { pairs.append((key, try string(value, "'\(key)'"))) }
        return pairs
    }

    /// `"METHOD /path"`, or a request mapping whose method defaults to GET.
    func endpoint(_ cursor: Cursor) throws(SpecError) -> RequestTemplate {
        guard case .object = cursor.node.value else {
            let words = try string(cursor, "an endpoint").split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
            guard words.count == 2, methods.contains(words[0].uppercased()), words[1].hasPrefix("/") else {
                throw cursor.error("an endpoint is 'METHOD /path' (e.g. 'GET /protected') or a mapping {method, path, json|form}")
            }
            return RequestTemplate(method: words[0].uppercased(), path: words[1], place: "\(cursor.file):\(cursor.node.reportLine)")
        }
        return try request(cursor, what: "an endpoint", defaultMethod: "GET")
    }

    /// `{method, path, headers, json | body | form}`.
    func request(_ cursor: Cursor, what: String, defaultMethod: String = "POST", allowed extra: Set<String> = []) throws(SpecError) -> RequestTemplate {
        guard case .object = cursor.node.value else { throw cursor.error("\(what) must be a mapping (method:, path:, json:…)") }
        guard let pathCursor = cursor["path"] else { throw cursor.error("\(what) needs a 'path'") }
        var template = RequestTemplate(method: defaultMethod, path: try string(pathCursor, "'path'"), place: "\(cursor.file):\(cursor.node.reportLine)")
        var bodies = 0
        for (key, value) in cursor.entries {
            switch key {
            case "path": break
            case "method":
                let method = try string(value, "'method'").uppercased()
                guard ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"].contains(method) else { throw value.error("'\(method)' is not an HTTP method") }
                template.method = method
            case "headers":
                template.headers += try mapping(value, "'headers'")
            case "json":
                let object = try json(value)
                guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed]) else {
                    throw value.error("'json' cannot be written as JSON")
                }
                template.body = data
                template.headers.append(("Content-Type", "application/json"))
                bodies += 1
            case "body":
                template.body = Data(try string(value, "'body'").utf8)
                bodies += 1
            case "form":
                var components = URLComponents()
                components.queryItems = try mapping(value, "'form'").map { URLQueryItem(name: $0.name, value: $0.value) }
                template.body = Data((components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B").utf8)
                template.headers.append(("Content-Type", "application/x-www-form-urlencoded"))
                bodies += 1
            default:
                guard extra.contains(key) else {
                    throw value.error("unknown key '\(key)' in \(what) (expected: method, path, headers, json, body, form\(extra.isEmpty ? "" : ", " + extra.sorted().joined(separator: ", ")))")
                }
            }
        }
        if bodies > 1 { throw cursor.error("\(what) may have only one of json, body, form") }
        return template
    }

    /// A YAML value as Foundation JSON, with environment substitution in strings.
    func json(_ cursor: Cursor) throws(SpecError) -> Any {
        switch cursor.node.value {
        case .object:
            var object: [String: Any] = [:]
            for (key, value) in cursor.entries { object[key] = try json(value) }
            return object
        case .array:
            var array: [Any] = []
            for item in cursor.items { array.append(try json(item)) }
            return array
        case .string(let text): return try substitute(text, at: cursor)
        case .number(let text):
            if let integer = Int(text) { return integer }
            if let real = Double(text) { return real }
            return text
        case .bool(let flag): return flag
        case .null: return NSNull()
        }
    }

    func identity(_ name: String, _ cursor: Cursor) throws(SpecError) -> Identity {
        guard case .object = cursor.node.value else { throw cursor.error("identity '\(name)' must be a mapping (role:, login:…)") }
        var identity = Identity(name: name, role: "user", authentication: .none)
        var methods = 0
        for (key, value) in cursor.entries {
            switch key {
            case "role": identity.role = try string(value, "'role'")
            case "signup": identity.signup = try request(value, what: "the sign-up of '\(name)'")
            case "headers":
                identity.authentication = .headers(try mapping(value, "'headers'")); methods += 1
            case "basic":
                guard let user = value["username"], let password = value["password"] else { throw value.error("'basic' needs username and password") }
                identity.authentication = .basic(username: try string(user, "'username'"), password: try string(password, "'password'")); methods += 1
            case "api_key":
                guard let keyName = value["name"], let keyValue = value["value"] else { throw value.error("'api_key' needs name and value (and 'in': header, query or cookie)") }
                let location = try value["in"].map { cursor throws(SpecError) in try string(cursor, "'in'") } ?? "header"
                guard ["header", "query", "cookie"].contains(location) else { throw value["in"]!.error("'in' must be header, query or cookie") }
                identity.authentication = .apiKey(name: try string(keyName, "'name'"), location: location, value: try string(keyValue, "'value'")); methods += 1
            case "cookies":
                identity.authentication = .cookies(try mapping(value, "'cookies'")); methods += 1
            case "login":
                let template = try request(value, what: "the login of '\(name)'", allowed: ["token", "cookie", "header", "format"])
                let pointer = try value["token"].map { cursor throws(SpecError) in try string(cursor, "'token'") }
                if let pointer, !pointer.isEmpty, !pointer.hasPrefix("/") { throw value["token"]!.error("'token' must be a JSON pointer such as /token or /data/access_token") }
                let cookie = try value["cookie"].map { cursor throws(SpecError) in try string(cursor, "'cookie'") }
                if pointer == nil && cookie == nil { throw value.error("the login of '\(name)' needs 'token' (a JSON pointer into the response) or 'cookie' (a cookie name)") }
                identity.authentication = .login(template, tokenPointer: pointer, cookie: cookie,
                                                 header: try value["header"].map { cursor throws(SpecError) in try string(cursor, "'header'") } ?? "Authorization",
                                                 format: try value["format"].map { cursor throws(SpecError) in try string(cursor, "'format'") } ?? "Bearer {token}")
                methods += 1
            case "oauth2":
                guard let url = value["token_url"], let id = value["client_id"], let secret = value["client_secret"] else {
                    throw value.error("'oauth2' needs token_url, client_id and client_secret")
                }
                for (key, entry) in value.entries where !["token_url", "client_id", "client_secret", "scope"].contains(key) {
                    throw entry.error("unknown key '\(key)' in 'oauth2' (expected: token_url, client_id, client_secret, scope)")
                }
                identity.authentication = .clientCredentials(tokenURL: try string(url, "'token_url'"), clientID: try string(id, "'client_id'"),
                                                             clientSecret: try string(secret, "'client_secret'"),
                                                             scope: try value["scope"].map { cursor throws(SpecError) in try string(cursor, "'scope'") })
                methods += 1
            default:
                throw value.error("unknown key '\(key)' in identity '\(name)' (expected: role, signup, headers, basic, api_key, cookies, login, oauth2)")
            }
        }
        if methods > 1 { throw cursor.error("identity '\(name)' has more than one way to authenticate; keep one") }
        return identity
    }
}
