import Foundation
import RampartCore
import RampartHTTP

/// Older versions of versioned paths (`/v1/` beside a `/v2/` description) still answering.
struct OldAPIVersion: ScanCheck {
    let rule = RuleMetadata(
        id: "old-api-version-live", title: "An older API version is still live", severity: .high, owasp: .api9, cwe: [1059, 284],
        description: "The description covers one version, but the same path under an older version prefix answered too, outside the documented controls.",
        remediation: "Retire old versions (410 Gone), or keep them in the inventory and under the same gateway policies as the current one.")

    func run(_ scan: ScanContext) async {
        guard let identity = scan.users.first?.identity.name else { return }
        var tried: Set<String> = []
        for endpoint in scan.endpoints where endpoint.method == "GET" {
            guard let range = endpoint.path.range(of: #"/v(\d+)/"#, options: .regularExpression),
                  let version = Int(endpoint.path[range].dropFirst(2).dropLast()), version > 1 else { continue }
            let url = scan.request(endpoint, identity: identity).url
            for older in stride(from: version - 1, through: 1, by: -1) {
                let path = url.path.replacingOccurrences(of: "/v\(version)/", with: "/v\(older)/")
                let template = endpoint.path.replacingOccurrences(of: "/v\(version)/", with: "/v\(older)/")
                guard tried.insert(template).inserted else { continue }
                defer { scan.operationDone() }
                // Without credentials: an old version that answers anonymously is the worst case, and the clearest proof.
                guard let exchange = await scan.send(OutboundRequest(method: "GET", url: scan.url(path), headers: [("Accept", "application/json")]), as: nil),
                      exchange.response.isSuccess, exchange.response.json != nil else { continue }
                scan.report(rule, at: Location(method: "GET", path: template), "GET \(template) (undocumented, beside \(endpoint.path)) answered \(exchange.response.status) without credentials", proof: exchange)
            }
        }
    }
}
