/// A route's path: a prefix (`/admin` matches `/admin` and `/admin/…`) or, with `{placeholders}`,
/// a template that matches exactly that many segments and captures them.
public struct PathPattern: Sendable, Equatable {
    enum Segment: Sendable, Equatable { case literal(String), parameter(String) }
    let segments: [Segment]
    public let caseSensitive: Bool
    public let isTemplate: Bool
    public var parameters: [String] { segments.compactMap { if case .parameter(let name) = $0 { name } else { nil } } }

    public init?(_ path: String, caseSensitive: Bool = false) {
        guard path.hasPrefix("/") else { return nil }
        var segments: [Segment] = []
        for part in path.split(separator: "/") {
            if part.hasPrefix("{") {
                guard part.hasSuffix("}"), part.count > 2, !part.dropFirst().dropLast().contains(where: { "{}".contains($0) }) else { return nil }
                segments.append(.parameter(String(part.dropFirst().dropLast())))
            } else {
                guard !part.contains("{") && !part.contains("}") else { return nil }
                segments.append(.literal(caseSensitive ? String(part) : part.lowercased()))
            }
        }
        self.segments = segments
        self.caseSensitive = caseSensitive
        isTemplate = segments.contains { if case .parameter = $0 { true } else { false } }
    }

    /// The captured parameters when `path` (already normalized by `PathNormalizer`) matches, else nil.
    public func match(_ path: String) -> [String: String]? {
        if !isTemplate, path.utf8.allSatisfy({ $0 < 0x80 }) { return matchesPrefix(path) ? [:] : nil }
        let parts = path.split(separator: "/").map { caseSensitive ? String($0) : $0.lowercased() }
        let original = path.split(separator: "/").map(String.init)
        if isTemplate ? parts.count != segments.count : parts.count < segments.count { return nil }
        var captured: [String: String] = [:]
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .literal(let text): if parts[index] != text { return nil }
            case .parameter(let name): captured[name] = original[index]
            }
        }
        return captured
    }

    /// A prefix pattern against an ASCII path, compared on bytes without splitting the path.
    private func matchesPrefix(_ path: String) -> Bool {
        var rest = path.utf8[...]
        for case .literal(let text) in segments {
            while rest.first == UInt8(ascii: "/") { rest = rest.dropFirst() }
            let end = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
            let segment = rest[..<end]
            guard segment.count == text.utf8.count,
                  zip(segment, text.utf8).allSatisfy({ (caseSensitive || $0 < 0x41 || $0 > 0x5A ? $0 : $0 | 0x20) == $1 }) else { return false }
            rest = rest[end...]
        }
        return true
    }
}

/// Picks the route for a request: the first in configuration order whose host, path and method match.
public struct Router: Sendable {
    public let routes: [GatewayConfiguration.Route]
    /// Whether any route names a host (otherwise the Host header is not even looked at).
    private let matchesHosts: Bool

    public init(routes: [GatewayConfiguration.Route]) {
        self.routes = routes
        matchesHosts = routes.contains { $0.host != nil }
    }

    public enum Outcome: Sendable {
        case route(GatewayConfiguration.Route, parameters: [String: String])
        /// The path matches a route, but not with this method.
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    /// `path` must be the normalized path (`PathNormalizer.normalize`); host without port.
    public func route(method: String, host: String?, path: String) -> Outcome {
        var allowed: Set<String> = []
        let host = matchesHosts ? host.map { String($0.lowercased().split(separator: ":").first ?? "") } : nil
        for route in routes {
            if let wanted = route.host, wanted != host { continue }
            guard let parameters = route.pattern.match(path) else { continue }
            if let methods = route.methods, !methods.contains(method) {
                allowed.formUnion(methods)
                continue
            }
            return .route(route, parameters: parameters)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed.sorted())
    }
}
