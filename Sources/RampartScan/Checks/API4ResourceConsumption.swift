import Foundation
import RampartCore
import RampartHTTP

/// A bounded burst on one cheap operation: no 429 and no rate-limit headers means no rate limiting.
struct NoRateLimiting: ScanCheck {
    let rule = RuleMetadata(
        id: "no-rate-limiting", title: "No rate limiting", severity: .medium, owasp: .api4, cwe: [770],
        description: "A burst of requests from one client was answered in full, without 429 responses or RateLimit headers.",
        remediation: "Rate-limit per client and per credential (for example in the gateway) and announce limits with RateLimit headers.")
    static let burst = 40

    func run(_ scan: ScanContext) async {
        guard let probe = await scan.authProbe() else { return }
        let identity = probe.session.identity.name
        if LoginBruteForce.isThrottled(probe.baseline.response) { return }
        // Each request of the burst: throttled, answered, or unanswered (nil).
        let outcomes = await withTaskGroup(of: Bool?.self) { group in
            for _ in 0..<Self.burst {
                group.addTask {
                    guard let exchange = await scan.send(probe.request, as: identity) else { return nil }
                    return LoginBruteForce.isThrottled(exchange.response)
                }
            }
            return await group.reduce(into: [Bool?]()) { $0.append($1) }
        }
        let answered = outcomes.filter { $0 == false }.count
        // A few requests lost on a busy machine say nothing; many dropped may be throttling by closing connections.
        guard !outcomes.contains(true), answered >= Self.burst * 3 / 4 else { return }
        scan.report(rule, at: probe.endpoint.location(), "\(answered) of \(Self.burst) requests in a burst to \(probe.endpoint.label) were answered, with no 429 and no RateLimit headers",
                    proof: probe.baseline, confidence: .firm)
    }
}

/// Page-size parameters far above any sensible cap.
struct UncappedPageSize: ScanCheck {
    let rule = RuleMetadata(
        id: "uncapped-page-size", title: "Page size is not capped", severity: .medium, owasp: .api4, cwe: [770, 400],
        description: "A page-size parameter far above the documented maximum was accepted, so one request can ask for the whole table.",
        remediation: "Enforce a maximum page size on the server (reject or clamp), and document it as `maximum` in the description.")
    static let names: Set<String> = ["limit", "size", "page_size", "pagesize", "per_page", "perpage", "count", "max", "top", "take", "first"]
    static let huge = 100_000

    func run(_ scan: ScanContext) async {
        guard let identity = scan.users.first?.identity.name else { return }
        for endpoint in scan.endpoints where endpoint.method == "GET" {
            for parameter in endpoint.queryParameters where Self.names.contains(parameter.name.lowercased()) {
                defer { scan.operationDone() }
                if let maximum = parameter.schema?["maximum"]?.node.number, maximum >= Double(Self.huge) { continue }
                let request = scan.request(endpoint, identity: identity, query: [URLQueryItem(name: parameter.name, value: String(Self.huge))])
                guard let exchange = await scan.send(request, as: endpoint.isSecured ? identity : nil, endpoint: endpoint), exchange.response.isSuccess else { continue }
                let documented = parameter.schema?["maximum"]?.node.scalarText.map { " (documented maximum \($0))" } ?? ""
                scan.report(rule, at: endpoint.location(parameter: parameter.name), "\(endpoint.label) accepted \(parameter.name)=\(Self.huge)\(documented)", proof: exchange)
            }
        }
    }
}

/// Strings far beyond their `maxLength` on create, which the API stores.
struct OversizedInput: ScanCheck {
    let rule = RuleMetadata(
        id: "oversized-input-accepted", title: "Oversized input accepted", severity: .medium, owasp: .api4, cwe: [1284, 400],
        description: "A string of 100,000 characters was accepted where the description allows far fewer.",
        remediation: "Validate lengths and body sizes on the server against the description (for example with the gateway's OpenAPI validation).")
    static let length = 100_000

    func run(_ scan: ScanContext) async {
        guard let identity = scan.users.first?.identity.name else { return }
        for endpoint in scan.creators {
            defer { scan.operationDone() }
            guard let schema = endpoint.bodySchema,
                  let (name, maxLength) = schema["properties"]?.entries.lazy.compactMap({ entry -> (String, Int)? in
                      guard let limit = endpoint.resolve(entry.cursor)?["maxLength"]?.node.number, limit < Double(Self.length) else { return nil }
                      return (entry.key, Int(limit))
                  }).first,
                  var body = scan.exampleBody(endpoint, identity: identity) else { continue }
            body[name] = String(repeating: "R", count: Self.length)
            guard let exchange = await scan.send(scan.request(endpoint, identity: identity, body: body), as: identity, endpoint: endpoint),
                  exchange.response.isSuccess else { continue }
            scan.report(rule, at: endpoint.location(parameter: name), "\(endpoint.label) accepted a \(Self.length)-character \(name) (maxLength \(maxLength))", proof: exchange)
        }
    }
}
