import Foundation
import RampartGateway
import RampartSpec
import Testing

private let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

private func parse(_ text: String) throws -> GatewayConfiguration {
    try GatewayConfiguration.parse(SpecDocument(text: text, file: "gateway.yml").root)
}

private let minimal = """
gateway:
  listeners: [{address: 127.0.0.1:18700}]
  upstreams: {api: {url: "http://127.0.0.1:18701"}}
  authenticators:
    demo: {jwt: {issuer: "https://demo", jwks_file: keys.json, algorithms: [RS256]}}
  routes:
    - {path: "/users/{id}", upstream: api, authenticate: [demo], authorize: {owner: {parameter: id, claim: sub, unless_role: admin}}}
    - {path: /, upstream: api}

"""

@Test func theDemoConfigurationLoads() throws {
    let configuration = try GatewayConfiguration.load(path: projectRoot.appendingPathComponent("examples/gateway/demo.yml").path)
    #expect(configuration.listeners.first?.address.description == "127.0.0.1:18700")
    #expect(configuration.admin?.description == "127.0.0.1:18799")
    #expect(configuration.routes.map(\.name) == ["admin", "limited", "api"])
    #expect(configuration.routes[1].rateLimits.first?.limit == RateLimit(limit: 5, period: 1))
    guard case .jwt(let settings) = configuration.authenticators["demo"] else { Issue.record("demo is a JWT authenticator"); return }
    #expect(settings.algorithms == ["RS256"] && settings.audience == ["demo-api"])
}

@Test(arguments: [
    (minimal.replacingOccurrences(of: "upstream: api, authenticate", with: "upstream: apo, authenticate"), "gateway.yml:7:29: no upstream named 'apo' (defined: api)"),
    (minimal.replacingOccurrences(of: "authenticate: [demo]", with: "authenticate: [dem]"), "gateway.yml:7:44: no authenticator named 'dem' (defined: demo)"),
    (minimal.replacingOccurrences(of: "parameter: id", with: "parameter: uid"), "gateway.yml:7:86: the path '/users/{id}' has no {uid}"),
    (minimal.replacingOccurrences(of: "algorithms: [RS256]", with: "algorithms: [RS256, HS256]"), "gateway.yml:5:64: HMAC and public-key algorithms must not share an issuer (that is how key confusion happens)"),
    (minimal.replacingOccurrences(of: "algorithms: [RS256]", with: "algorithms: [none]"), "gateway.yml:5:64: unknown algorithm 'none' (expected: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA, HS256, HS384, HS512)"),
    (minimal.replacingOccurrences(of: ", algorithms: [RS256]", with: ""), "gateway.yml:5:12: 'jwt' needs 'algorithms': the allow-list for this issuer (the token header never chooses)"),
    (minimal.replacingOccurrences(of: "127.0.0.1:18700", with: "18700"), "gateway.yml:2:16: '18700' is not host:port"),
    (minimal.replacingOccurrences(of: "{path: /, upstream: api}", with: "{path: /, upstream: api, timeout: 3}"), "gateway.yml:8:32: unknown key 'timeout' in a route (expected: name, path, host, methods, case_sensitive, upstream, authenticate, authorize, rate_limits, cors, headers, clients, openapi, graphql)"),
    (minimal.replacingOccurrences(of: "{path: /, upstream: api}", with: "{path: /, upstream: api, rate_limits: [{key: sub, limit: 5}]}"), "gateway.yml:8:47: a limit per sub needs 'authenticate' on the route"),
    (minimal.replacingOccurrences(of: "{path: /, upstream: api}", with: "{path: /, upstream: api, cors: {origins: ['*'], credentials: true}}"), "gateway.yml:8:39: '*' cannot be combined with credentials: list the trusted origins"),
    (minimal.replacingOccurrences(of: "{path: /, upstream: api}", with: "{path: \"/a{b}\", upstream: api}"), "gateway.yml:8:8: '/a{b}' is not a path (it starts with /; placeholders are whole segments like {id})"),
    ("gateway:\n  listeners: []\n", "gateway.yml:2:3: 'gateway.listeners' must list at least one listener"),
    ("proxy: {}\n", "gateway.yml:1:1: unknown section 'proxy' (expected: gateway)"),
    (minimal.replacingOccurrences(of: "{path: /, upstream: api}", with: "{path: /, upstream: api, clients: {allow: [10.0.0.0/33]}}"),
     "gateway.yml:8:42: '10.0.0.0/33' is not an IP address or CIDR range (10.0.0.0/8, 2001:db8::/32)"),
])
func mistakesNameTheLine(_ text: String, _ message: String) {
    do {
        _ = try parse(text)
        Issue.record("accepted: \(message)")
    } catch {
        #expect("\(error)" == message)
    }
}

@Test func apiKeysMustBeStoredHashed() {
    let text = minimal.replacingOccurrences(of: "    demo: {jwt:", with: "    ci: {api_key: {keys: [{name: ci, hash: plain-secret}]}}\n    demo: {jwt:")
    #expect(throws: SpecError.self) { try parse(text) }
    let hashed = minimal.replacingOccurrences(of: "    demo: {jwt:", with: "    ci: {api_key: {keys: [{name: ci, hash: \"sha256:s4lt:\(String(repeating: "ab", count: 32))\"}]}}\n    demo: {jwt:")
    #expect((try? parse(hashed))?.authenticators["ci"] != nil)
}

@Test func routesMatchTheNormalizedPathWithTheirMethodsAndHost() throws {
    let configuration = try parse(minimal.replacingOccurrences(of: "{path: /, upstream: api}", with: "{path: /admin, upstream: api, methods: [GET], host: api.example}\n    - {path: /, upstream: api}"))
    let router = Router(routes: configuration.routes)
    guard case .route(let users, let parameters) = router.route(method: "GET", host: "x", path: try PathNormalizer.normalize("/USERS/%34%32")) else {
        Issue.record("/users/42 routes"); return
    }
    #expect(users.pattern.isTemplate && parameters == ["id": "42"])
    guard case .route(let admin, _) = router.route(method: "GET", host: "api.example:443", path: try PathNormalizer.normalize("/Admin/../admin/stats")) else {
        Issue.record("/admin/stats routes to admin"); return
    }
    #expect(admin.name == "/admin")
    guard case .route(let fallback, _) = router.route(method: "GET", host: "other.example", path: "/admin") else { Issue.record("other hosts fall through"); return }
    #expect(fallback.name == "/")
    #expect(PathPattern("/users/{id}")?.match("/users/42/orders") == nil, "templates match exactly")
    #expect(PathPattern("/admin")?.match("/administrator") == nil, "prefixes match whole segments")
    #expect(PathPattern("/Admin", caseSensitive: true)?.match("/admin") == nil)
}

@Test func aMethodOutsideTheRouteIs405() throws {
    let configuration = try parse(minimal.replacingOccurrences(of: "    - {path: /, upstream: api}\n", with: "    - {path: /reports, upstream: api, methods: [GET, HEAD]}\n"))
    guard case .methodNotAllowed(let allowed) = Router(routes: configuration.routes).route(method: "DELETE", host: nil, path: "/reports") else {
        Issue.record("DELETE /reports is 405"); return
    }
    #expect(allowed == ["GET", "HEAD"])
    guard case .notFound = Router(routes: configuration.routes).route(method: "GET", host: nil, path: "/elsewhere") else { Issue.record("404"); return }
}

/// Every number in gateway.yml, each in a configuration that is otherwise valid: `VALUE` stands for the number.
private let numericKeys: [(key: String, yaml: String)] = {
    let base = """
    gateway:
      listeners: [{address: "127.0.0.1:18700"}]
      upstreams: {api: {url: "http://127.0.0.1:18701"UPSTREAM}}
      authenticators: {demo: {jwt: {issuer: "https://demo", jwks_file: keys.json, algorithms: [RS256]JWT}}}
      routes:
        - {path: /, upstream: api, authenticate: [demo]ROUTE}
    """
    func at(_ place: String, _ text: String) -> String {
        ["UPSTREAM", "JWT", "ROUTE"].reduce(base) { $0.replacingOccurrences(of: $1, with: $1 == place ? text : "") }
    }
    var keys: [(String, String)] = [("threads", at("", "") + "\n  threads: VALUE")]
    for key in ["max_uri_length", "max_header_count", "max_header_bytes", "max_body_bytes", "header_timeout", "body_timeout"] {
        keys.append((key, at("", "") + "\n  limits: {\(key): VALUE}"))
    }
    for key in ["connect_timeout", "response_timeout", "max_idle_connections"] { keys.append((key, at("UPSTREAM", ", \(key): VALUE"))) }
    for key in ["leeway", "refresh_interval", "unknown_kid_refresh_interval"] { keys.append((key, at("JWT", ", \(key): VALUE"))) }
    keys.append(("limit", at("ROUTE", ", rate_limits: [{key: ip, limit: VALUE}]")))
    keys.append(("per", at("ROUTE", ", rate_limits: [{key: ip, limit: 5, per: VALUE}]")))
    keys.append(("burst", at("ROUTE", ", rate_limits: [{key: ip, limit: 5, burst: VALUE}]")))
    keys.append(("max_age", at("ROUTE", ", cors: {origins: [\"https://a.example\"], max_age: VALUE}")))
    for key in ["sample_rate", "max_body"] { keys.append((key, at("", "") + "\n  traffic_log: {path: t.jsonl, \(key): VALUE}")) }
    for key in ["flush_interval", "checkpoint_interval", "max_backlog"] { keys.append((key, at("", "") + "\n  audit_log: {path: a.jsonl, \(key): VALUE}")) }
    for key in ["window", "learning", "smoothing", "warmup_windows"] { keys.append((key, at("", "") + "\n  detection: {\(key): VALUE}")) }
    for (section, key) in [("enumeration", "minimum"), ("enumeration", "factor"), ("authentication", "per_client"), ("authentication", "per_username"),
                           ("authentication", "usernames_per_client"), ("spikes", "factor"), ("spikes", "volume_minimum"), ("spikes", "error_minimum"),
                           ("scraping", "sequential"), ("scraping", "page_size"), ("block", "seconds")] {
        keys.append(("\(section).\(key)", at("", "") + "\n  detection: {\(section): {\(key): VALUE}}"))
    }
    for key in ["timeout", "retries", "queue"] {
        keys.append(("webhook.\(key)", at("", "") + "\n  detection: {webhook: {url: \"http://127.0.0.1:9\", \(key): VALUE}}"))
    }
    return keys
}()

/// Numbers that crashed the gateway (at --check, or at its first request) before every key had a range.
private let hostileNumbers = ["1e19", "1e999", "-1e999", "9223372036854775807", "18446744073709551616", "1e17", "1e10", "-1", "0.5", ".nan", "1e-320"]

@Test(arguments: numericKeys.map(\.key))
func everyNumberInTheConfigurationHasARangeAndAnErrorWithItsPlace(_ key: String) throws {
    let yaml = try #require(numericKeys.first { $0.key == key }).yaml
    _ = try parse(yaml.replacingOccurrences(of: "VALUE", with: "1"))  // the configuration is valid with a plain value
    for value in hostileNumbers {
        do {
            let configuration = try parse(yaml.replacingOccurrences(of: "VALUE", with: value))
            // Accepted: then it is within the documented ranges, which keep every clock and counter from overflowing.
            #expect(configuration.limits.headerTimeout <= 86_400 && configuration.limits.bodyTimeout <= 86_400 && (configuration.threads ?? 1) <= 256,
                    "\(key): \(value)")
            #expect(configuration.upstreams.values.allSatisfy { $0.responseTimeout <= 86_400 && $0.connectTimeout <= 3_600 })
        } catch {
            let message = "\(error)"
            #expect(message.range(of: #"^gateway\.yml:\d+:\d+: .*must be a (whole )?number from "#, options: .regularExpression) != nil, "\(key) = \(value): \(message)")
        }
    }
}

/// Random damage to a valid configuration, every key of it: a clear error or a configuration, never a crash.
@Test func mutatedConfigurationsAreErrorsNotCrashes() {
    var random = SystemRandomNumberGenerator()
    let pieces = ["1e19", "-", ":", "{", "}", "[", "]", "\"", "\n", " ", "0", "null", "~", "&a", "*a", "!!binary", "\u{0}", "é", "1e999", ","]
    for (_, yaml) in numericKeys {
        let text = Array(yaml.replacingOccurrences(of: "VALUE", with: "2"))
        for _ in 0..<20 {
            var mutated = text
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let index = Int.random(in: 0..<mutated.count, using: &random)
                mutated.replaceSubrange(index..<min(mutated.count, index + Int.random(in: 0...3, using: &random)), with: Array(pieces.randomElement(using: &random)!))
            }
            do { _ = try parse(String(mutated)) } catch {
                #expect(error is SpecError, "\(error)")
            }
        }
    }
}
