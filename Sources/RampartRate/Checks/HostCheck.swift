import Foundation
import NIOHTTP1
import RampartCore

/// What a host check may use: the client, the site URL and the main response already fetched.
public struct HostContext: Sendable {
    public var client: RateClient
    public var url: URL
    public var main: CapturedResponse

    /// The path being rated (`/` when the URL has none).
    var path: String { url.path.isEmpty ? "/" : url.path }

    /// `https://host:port` for relative requests.
    var origin: String {
        var origin = "\(url.scheme ?? "https")://\(url.host ?? "")"
        if let port = url.port { origin += ":\(port)" }
        return origin
    }

    func fetch(_ path: String, method: HTTPMethod = .GET, headers: [(String, String)] = []) async -> CapturedResponse? {
        guard let target = URL(string: origin + path) else { return nil }
        return await client.capture(target, method: method, headers: headers)
    }

    func finding(_ rule: RuleMetadata, path: String = "/", message: String, evidence: String?, confidence: Confidence = .firm) -> Finding {
        Finding(rule: rule, location: Location(path: path, host: origin), message: message, confidence: confidence,
                evidence: evidence.map { Evidence(response: String($0.prefix(500))) })
    }
}

/// One API-specific outside-in check.
protocol HostCheck: Sendable {
    static var metadata: RuleMetadata { get }
    func run(_ context: HostContext) async -> [Finding]
}

enum HostChecks {
    static let all: [any HostCheck] = [
        CORSReflection(), CORSNullOrigin(), AuthenticatedResponseCaching(), VersionBanner(), TraceEnabled(),
        StackTraceDisclosure(), ExposedAPIDescription(), SecurityTxtMissing(),
    ]
}
