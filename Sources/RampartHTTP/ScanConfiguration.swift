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

    /// Every leaf of a JSON body by JSON pointer (`/user/name`), sorted; a flat body's fields are `/name`.
    public var jsonLeaves: [(pointer: String, value: Any)] {
        guard let body, let json = try? JSONSerialization.jsonObject(with: body) else { return [] }
        func walk(_ value: Any, _ pointer: String) -> [(String, Any)] {
            if let object = value as? [String: Any] {
                return object.sorted { $0.key < $1.key }.flatMap { walk($0.value, pointer + "/" + $0.key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")) }
            }
            return pointer.isEmpty ? [] : [(pointer, value)]
        }
        return walk(json, "")
    }

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
    /// and presented as `placement` says (a session cookie is sent back as the cookie it came in).
    case login(RequestTemplate, tokenPointer: String?, cookie: String?, placement: TokenPlacement)
    case clientCredentials(tokenURL: String, clientID: String, clientSecret: String, scope: String?)
}

/// Where a token from a login goes on every request.
public enum TokenPlacement: Sendable, Equatable {
    /// A header, its value formatted by `format` (`{token}` is replaced): `Authorization: Bearer {token}`.
    case header(name: String, format: String)
    /// A query parameter: `?access_token=…`.
    case query(name: String)
    /// A cookie: `Cookie: token=…`.
    case cookie(name: String)
    /// A GraphQL argument of that name (`me(token: …)`), wherever an operation takes one; nothing on other requests.
    case graphQLArgument(name: String)

    public static let bearer = TokenPlacement.header(name: "Authorization", format: "Bearer {token}")

    /// `request` carrying `token` here (a cookie is added to any the request has).
    public func present(_ token: String, in request: OutboundRequest) -> OutboundRequest {
        var request = request
        switch self {
        case .header(let name, let format):
            request.setHeader(name, format.replacingOccurrences(of: "{token}", with: token))
        case .cookie(let name):
            request.setHeader("Cookie", (request.header("Cookie").map { $0 + "; " } ?? "") + "\(name)=\(token)")
        case .query(let name):
            if var components = URLComponents(url: request.url, resolvingAgainstBaseURL: false) {
                components.queryItems = (components.queryItems ?? []).filter { $0.name != name } + [URLQueryItem(name: name, value: token)]
                request.url = components.url ?? request.url
            }
        case .graphQLArgument:
            break
        }
        return request
    }
}

public struct Identity: Sendable {
    public var name: String
    public var role: String
    public var authentication: Authentication
    public var signup: RequestTemplate?
    /// Rank among the identities (`level:`); more is more privileged. Default: 100 for admin roles, 1 otherwise.
    public var explicitLevel: Int?
    /// Objects this identity owns, by kind (`objects: {invoice: [inv-1001]}`): ids other identities must not reach.
    public var objects: [String: [String]] = [:]
    /// The login body's user and password fields when their names do not say so (`user_field: /auth/u`): JSON
    /// pointers into a JSON body, field names of a form.
    public var loginFields: (user: String, password: String)?

    public init(name: String, role: String, authentication: Authentication, signup: RequestTemplate? = nil) {
        self.name = name
        self.role = role
        self.authentication = authentication
        self.signup = signup
    }

    public var isAdmin: Bool { role.lowercased().contains("admin") }
    public var level: Int { explicitLevel ?? (isAdmin ? 100 : 1) }
}

/// The `scan:` section of `rampart.yml`. Validated on load: unknown keys, wrong types and missing
/// environment variables are errors naming the file, line and key.
public struct ScanConfiguration: Sendable {
    public var identities: [Identity] = []
    public var setup: [RequestTemplate] = []
    /// Operations of an API without a description (`GET /protected`, or a request with an example body), for the scan to start from.
    public var endpoints: [RequestTemplate] = []
    /// Operations only some roles may call (`only: {"POST /refunds": [manager]}`, or `only:` on an endpoint), by
    /// `METHOD /path`; the path may be a template (`/users/{id}`) or an example (`/users/7`).
    public var restricted: [(operation: String, roles: [String])] = []
    /// Seconds between two logins (`login_spacing:`), for APIs that lock out or throttle quick logins.
    public var loginSpacing: Double?

    public init() {}

    public static let keys = ["identities", "setup", "endpoints", "only", "login_spacing"]

    /// The roles that may call `method path` (a template), when rampart.yml restricts it.
    public func roles(method: String, path template: String) -> [String]? {
        restricted.first { entry in
            let parts = entry.operation.split(separator: " ", maxSplits: 1).map(String.init)
            return parts.count == 2 && parts[0] == method && Self.path(parts[1], matches: template)
        }?.roles
    }

    /// The roles that may run the GraphQL root field `field` of `kind` (query or mutation), when rampart.yml restricts it.
    public func roles(graphQL kind: String, field: String) -> [String]? {
        restricted.first { $0.operation == "\(kind) \(field)" }?.roles
    }

    /// `/users/7` or `/users/{id}` against the template `/users/{id}`: placeholders match any one segment.
    public static func path(_ path: String, matches template: String) -> Bool {
        let given = path.split(separator: "/", omittingEmptySubsequences: false), wanted = template.split(separator: "/", omittingEmptySubsequences: false)
        return given.count == wanted.count && zip(given, wanted).allSatisfy { $0 == $1 || $1.hasPrefix("{") || $0.hasPrefix("{") }
    }

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
                guard case .array = cursor.node.value else { throw cursor.error("'scan.endpoints' must be a list ('GET /path' or {method, path, json|form, only})") }
                for item in cursor.items {
                    let endpoint = try reader.endpoint(item)
                    configuration.endpoints.append(endpoint)
                    if let only = item["only"] { configuration.restricted.append(("\(endpoint.method) \(endpoint.path)", try reader.roles(only))) }
                }
            case "only":
                guard case .object = cursor.node.value else { throw cursor.error("'scan.only' maps operations to roles, e.g. {\"POST /refunds\": [manager]}") }
                for (operation, roles) in cursor.entries {
                    let parts = operation.split(separator: " ")
                    let rest = parts.count == 2 && ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"].contains(String(parts[0])) && parts[1].hasPrefix("/")
                    let graphQL = parts.count == 2 && ["query", "mutation"].contains(String(parts[0])) && parts[1].allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
                    guard rest || graphQL else {
                        throw roles.error("'\(operation)' in 'scan.only' is not 'METHOD /path' (e.g. 'POST /refunds') or a GraphQL field ('mutation deleteUser')")
                    }
                    configuration.restricted.append((operation, try reader.roles(roles)))
                }
            case "login_spacing":
                guard let seconds = cursor.node.number, seconds >= 0, seconds <= 300 else { throw cursor.error("'scan.login_spacing' must be seconds between 0 and 300") }
                configuration.loginSpacing = seconds
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
        return try request(cursor, what: "an endpoint", defaultMethod: "GET", allowed: ["only"])
    }

    /// `[manager, admin]`: a non-empty list of role names.
    func roles(_ cursor: Cursor) throws(SpecError) -> [String] {
        guard case .array = cursor.node.value, !cursor.items.isEmpty else { throw cursor.error("'only' must be a non-empty list of roles, e.g. [manager]") }
        var roles: [String] = []
        for item in cursor.items { roles.append(try string(item, "a role")) }
        return roles
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

    /// Where a login's token goes: `token_in: header` (default; `header:` and `format:`), `query`, `cookie` or `graphql`
    /// (an argument; named by `token_name`).
    func placement(_ login: Cursor) throws(SpecError) -> TokenPlacement {
        func text(_ key: String) throws(SpecError) -> String? { try login[key].map { cursor throws(SpecError) in try string(cursor, "'\(key)'") } }
        let header = try text("header"), format = try text("format"), name = try text("token_name")
        switch try text("token_in") ?? "header" {
        case "header":
            if name != nil { throw login["token_name"]!.error("'token_name' names a query parameter or cookie; a header is named by 'header'") }
            if let format, !format.contains("{token}") { throw login["format"]!.error("'format' must contain {token}, e.g. 'Bearer {token}'") }
            return .header(name: header ?? "Authorization", format: format ?? "Bearer {token}")
        case let place where ["query", "cookie", "graphql"].contains(place):
            if header != nil || format != nil { throw login[header != nil ? "header" : "format"]!.error("'header' and 'format' apply to token_in: header only") }
            switch place {
            case "query": return .query(name: name ?? "access_token")
            case "cookie": return .cookie(name: name ?? "token")
            default: return .graphQLArgument(name: name ?? "token")
            }
        case let other:
            throw login["token_in"]!.error("'token_in' must be header, query, cookie or graphql, not '\(other)'")
        }
    }

    func identity(_ name: String, _ cursor: Cursor) throws(SpecError) -> Identity {
        guard case .object = cursor.node.value else { throw cursor.error("identity '\(name)' must be a mapping (role:, login:…)") }
        var identity = Identity(name: name, role: "user", authentication: .none)
        var methods = 0
        for (key, value) in cursor.entries {
            switch key {
            case "role": identity.role = try string(value, "'role'")
            case "level":
                guard let level = value.node.number, level == level.rounded(), (0...1000).contains(level) else { throw value.error("'level' must be a whole number from 0 to 1000 (more is more privileged)") }
                identity.explicitLevel = Int(level)
            case "objects":
                guard case .object = value.node.value else { throw value.error("'objects' maps kinds to ids, e.g. {invoice: [inv-1001, inv-1002]}") }
                for (kind, ids) in value.entries {
                    guard case .array = ids.node.value else { throw ids.error("'objects.\(kind)' must be a list of ids") }
                    var list: [String] = []
                    for id in ids.items { list.append(try string(id, "an object id")) }
                    identity.objects[kind] = list
                }
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
                let template = try request(value, what: "the login of '\(name)'", allowed: ["token", "cookie", "header", "format", "token_in", "token_name", "user_field", "password_field"])
                let pointer = try value["token"].map { cursor throws(SpecError) in try string(cursor, "'token'") }
                if let pointer, !pointer.isEmpty, !pointer.hasPrefix("/") { throw value["token"]!.error("'token' must be a JSON pointer such as /token or /data/access_token") }
                let cookie = try value["cookie"].map { cursor throws(SpecError) in try string(cursor, "'cookie'") }
                if pointer == nil && cookie == nil { throw value.error("the login of '\(name)' needs 'token' (a JSON pointer into the response) or 'cookie' (a cookie name)") }
                identity.authentication = .login(template, tokenPointer: pointer, cookie: cookie, placement: try placement(value))
                let userField = try value["user_field"].map { cursor throws(SpecError) in try string(cursor, "'user_field'") }
                let passwordField = try value["password_field"].map { cursor throws(SpecError) in try string(cursor, "'password_field'") }
                if (userField == nil) != (passwordField == nil) { throw value.error("'user_field' and 'password_field' go together") }
                if let userField, let passwordField {
                    let known = template.isForm ? (template.bodyFields ?? []).map(\.name) : template.jsonLeaves.map(\.pointer)
                    for (key, field) in [("user_field", userField), ("password_field", passwordField)] where !known.contains(field) {
                        throw value[key]!.error("'\(key)' \(field) is not in the login body (it has \(known.joined(separator: ", ")))")
                    }
                    identity.loginFields = (userField, passwordField)
                }
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
                throw value.error("unknown key '\(key)' in identity '\(name)' (expected: role, level, objects, signup, headers, basic, api_key, cookies, login, oauth2)")
            }
        }
        if methods > 1 { throw cursor.error("identity '\(name)' has more than one way to authenticate; keep one") }
        return identity
    }
}
