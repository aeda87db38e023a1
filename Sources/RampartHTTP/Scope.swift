import Foundation

/// The origins a scan may touch: scheme, host and port, exactly.
public struct Scope: Sendable {
    public private(set) var origins: Set<String>

    public init(_ urls: [URL]) {
        origins = Set(urls.compactMap(Self.origin))
    }

    public func contains(_ url: URL) -> Bool {
        Self.origin(of: url).map(origins.contains) ?? false
    }

    /// `scheme://host:port` with the default port written out, so `https://a` and `https://a:443` match.
    public static func origin(of url: URL) -> String? {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = url.host?.lowercased() else { return nil }
        return "\(scheme)://\(host):\(url.port ?? (scheme == "https" ? 443 : 80))"
    }
}

/// Why the engine did not send a request.
public enum EngineRefusal: Error, CustomStringConvertible, Sendable {
    case outOfScope(String)
    case budgetExhausted(Int)
    case stopped

    public var description: String {
        switch self {
        case .outOfScope(let url): "refused \(url): outside the scan's scope"
        case .budgetExhausted(let budget): "the request budget (\(budget)) is used up"
        case .stopped: "the scan was stopped"
        }
    }
}
