import AsyncHTTPClient
import Foundation
import NIOCore
import RampartSpec

/// Where the scanner's API description comes from: a file, a URL, or the target's usual spec locations.
public enum SpecLoader {
    /// Paths where APIs commonly publish their description; tried in order when no spec is given.
    public static let discoveryPaths = ["/openapi.json", "/openapi.yaml", "/swagger.json", "/v3/api-docs", "/v2/api-docs", "/api-docs",
                                        "/swagger/v1/swagger.json", "/api/openapi.json", "/docs/openapi.json"]

    public enum Failure: Error, CustomStringConvertible {
        case unreadable(String, String)
        case notFound(String)
        /// Nothing answers at all: no scan can run.
        case unreachable(String, String)

        public var description: String {
            switch self {
            case .unreadable(let source, let reason): "\(source): \(reason)"
            case .unreachable(let target, let reason): "\(target): cannot connect (\(reason)); is the API running, and is this its address?"
            case .notFound(let target): "\(target): no API description at \(SpecLoader.discoveryPaths.joined(separator: ", ")); pass --spec FILE|URL"
            }
        }
    }

    /// Loads `spec` (a path or an http(s) URL); without one, discovers the description on `target`. Returns it and where it came from.
    public static func load(spec: String?, target: URL, insecure: Bool = false) async throws -> (APIDescription, String) {
        if let spec, !(spec.hasPrefix("http://") || spec.hasPrefix("https://")) {
            return (try APIDescription(SpecDocument(path: spec)), spec)
        }
        let candidates = spec.map { [$0] } ?? discoveryPaths.map { URL(string: $0, relativeTo: target)!.absoluteString }
        for candidate in candidates {
            let fetched: String?
            do {
                fetched = try await fetch(candidate, insecure: insecure)
            } catch {
                throw Failure.unreachable(spec ?? target.absoluteString, String(describing: error).prefix(120).description)
            }
            guard let text = fetched else {
                if spec != nil { throw Failure.unreadable(candidate, "could not download the description (not 2xx or not reachable)") }
                continue
            }
            guard SpecDocument.looksLikeDescription(Array(text.utf8)) else {
                if spec != nil { throw Failure.unreadable(candidate, "this is not an OpenAPI or Swagger description") }
                continue
            }
            return (try APIDescription(SpecDocument(text: text, file: candidate)), candidate)
        }
        throw Failure.notFound(target.absoluteString)
    }

    /// The body of a 2xx answer; nil for any other answer; throws when nothing answers (refused, timed out, no such host).
    static func fetch(_ url: String, insecure: Bool) async throws -> String? {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .follow(max: 3, allowCycles: false), timeout: .init(connect: .seconds(5), read: .seconds(30)))
        if insecure { configuration.tlsConfiguration = .makeClientConfiguration(); configuration.tlsConfiguration?.certificateVerification = .none }
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        defer { Task { try? await client.shutdown() } }
        let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        guard (200..<300).contains(response.status.code), let body = try? await response.body.collect(upTo: 64 << 20) else { return nil }
        return String(buffer: body)
    }
}
