import Foundation
import RampartCore
import RampartHTTP

/// Money and abuse flows repeated quickly as one identity: all accepted means no anti-automation.
struct UnprotectedBusinessFlow: ScanCheck {
    let rule = RuleMetadata(
        id: "business-flow-no-anti-automation", title: "Sensitive business flow can be automated", severity: .medium, owasp: .api6, cwe: [799, 837],
        description: "A sensitive flow (transfer, payment, purchase, coupon) was repeated quickly by one user and every attempt succeeded.",
        remediation: "Limit how often one account and one device may run the flow, and add friction (step-up auth, CAPTCHA) where abuse pays.")
    static let words = ["transfer", "payment", "pay", "purchase", "checkout", "redeem", "coupon", "voucher", "withdraw", "refund", "giftcard", "gift-card", "vote", "booking"]
    static let repeats = 6

    func run(_ scan: ScanContext) async {
        guard let identity = scan.users.first?.identity.name else { return }
        for endpoint in scan.endpoints where endpoint.method == "POST" && endpoint.pathParameters.isEmpty {
            let lowered = endpoint.path.lowercased()
            guard Self.words.contains(where: { lowered.split(separator: "/").last?.contains($0) ?? false }) else { continue }
            defer { scan.operationDone() }
            var last: Exchange?
            for _ in 0..<Self.repeats {
                guard let exchange = await scan.send(scan.request(endpoint, identity: identity), as: identity, endpoint: endpoint),
                      exchange.response.isSuccess, !LoginBruteForce.isThrottled(exchange.response) else { last = nil; break }
                last = exchange
            }
            guard let last else { continue }
            scan.report(rule, at: endpoint.location(), "\(endpoint.label) succeeded \(Self.repeats) times in a row for \(identity) with no limit or challenge", proof: last)
        }
    }
}

/// URL-like inputs pointed at Rampart's own listener; confirmed only when the target calls it.
struct ServerSideRequestForgery: ScanCheck {
    let rule = RuleMetadata(
        id: "ssrf", title: "Server-side request forgery", severity: .high, owasp: .api7, cwe: [918],
        description: "The API fetched a URL supplied by the client; Rampart's out-of-band listener received the request.",
        remediation: "Fetch only allow-listed hosts over https, resolve and refuse internal addresses, and disable redirects for server-side fetches.")
    static let names = ["url", "uri", "link", "callback", "webhook", "image", "avatar", "icon", "feed", "endpoint", "redirect", "target", "src", "source", "href", "host"]

    func run(_ scan: ScanContext) async {
        guard let listener = scan.listener else { return }
        for point in scan.injectionPoints() where Self.isURLLike(point.name) || point.value.hasPrefix("http://") || point.value.hasPrefix("https://") {
            defer { scan.operationDone() }
            let (url, token) = listener.newURL()
            guard let exchange = await point.send(scan, payload: url), let hit = await listener.wait(for: token, timeout: .seconds(3)) else { continue }
            scan.report(rule, at: point.location(scan),
                        "\(point.label) fetched the URL given in \(point.name): the listener received \(hit)", proof: exchange)
        }
    }

    static func isURLLike(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return names.contains { lowered == $0 || lowered.hasSuffix("_" + $0) || lowered.hasPrefix($0 + "_") || lowered.hasSuffix($0.capitalized) }
    }
}
