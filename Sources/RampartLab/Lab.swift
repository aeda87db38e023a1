import Foundation
import Hummingbird
import Logging
import NIOCore

/// Rampart Bank: a deliberately vulnerable API (and, with `secure`, its fixed twin) for demos and tests.
public struct Lab: Sendable {
    /// The documented default port of `rampart lab`.
    public static let defaultPort = 8088
    public let secure: Bool

    public init(secure: Bool = false) {
        self.secure = secure
    }

    /// A lab running in this process.
    public struct Running: Sendable {
        public let url: URL
        let task: Task<Void, any Error>
        let tokens: LabTokens

        /// Every token the lab has handed out so far (logins, cookies, OAuth2): live credentials no report may show.
        public var issuedTokens: [String] { tokens.issued.withLockedValue { $0 } }

        /// Waits until the server stops.
        public func wait() async {
            _ = await task.result
        }

        /// Stops the server and waits for it.
        public func stop() async {
            task.cancel()
            _ = await task.result
        }
    }

    /// Starts the lab on 127.0.0.1 (port 0 picks a free one) and returns once it accepts connections.
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws -> Running {
        let application = try makeApplication(host: host, port: port)
        let (bound, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: application.router, configuration: application.configuration,
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? port) },
                              logger: Logger(label: "rampart.lab", factory: { _ in SwiftLogNoOpLogHandler() }))
        let task = Task { try await app.run() }
        var iterator = bound.makeAsyncIterator()
        guard let actual = await iterator.next() else { throw CancellationError() }
        let shown = host.contains(":") ? "[\(host)]" : host
        return Running(url: URL(string: "http://\(shown):\(actual)")!, task: task, tokens: application.state.tokens)
    }

    func makeApplication(host: String, port: Int) throws -> (router: Router<BasicRequestContext>, configuration: ApplicationConfiguration, state: LabState) {
        let state = try LabState(secure: secure)
        let router = Router()
        router.add(middleware: LabMiddleware(state: state))
        router.get("/") { _, _ in
            LabJSON.response(.ok, ["name": "Rampart Bank lab", "secure": secure, "openapi": "/openapi.json", "scan_config": "/rampart.yml"])
        }
        router.get("/openapi.json") { _, _ in Self.resource("openapi.json", type: "application/json") }
        router.get("/rampart.yml") { _, _ in Self.resource("rampart.yml", type: "application/yaml") }
        let routes = LabRoutes(state: state)
        routes.register(on: router)
        // Flaw (API9): the GraphQL API is missing from the REST description (docs/lab.md lists its own flaws).
        try LabGraphQL(routes: routes).register(on: router)
        return (router, ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil), state)
    }

    static func resource(_ name: String, type: String) -> Response {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil), let data = try? Data(contentsOf: url) else {
            return LabJSON.error(.internalServerError, "missing resource \(name)")
        }
        return Response(status: .ok, headers: [.contentType: type], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The lab's OpenAPI description, as served at /openapi.json.
    public static var openAPIDocument: String { bundled("openapi.json") }

    /// The lab's scan configuration, as served at /rampart.yml.
    public static var scanConfiguration: String { bundled("rampart.yml") }

    static func bundled(_ name: String) -> String {
        Bundle.module.url(forResource: name, withExtension: nil).flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? ""
    }
}
