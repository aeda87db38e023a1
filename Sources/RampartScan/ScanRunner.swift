import Foundation
import RampartCore
import RampartHTTP
import RampartSpec

/// What a scan produced.
public struct ScanResult: Sendable {
    public var findings: [Finding]
    public var requests: Int
    public var duration: Duration
    public var operations: Int
    /// URLs the scope guard refused (redirects or links elsewhere).
    public var refused: [String]
    /// True when the scan was stopped or ran out of budget before every check finished.
    public var partial: Bool
}

/// Live progress for the terminal line.
public struct ScanProgress: Sendable {
    public var phase: String
    public var checksDone: Int
    public var checksTotal: Int
    /// Operation tests finished so far, across checks (one check tests many operations).
    public var operationsTested: Int
    public var requests: Int
    public var findings: Int
}

/// Plans and runs a scan: setup steps, sign-ins, seeding objects as each identity, then every check.
public struct ScanRunner: Sendable {
    public var target: URL
    public var endpoints: [Endpoint]
    public var configuration: ScanConfiguration
    public var engineOptions: EngineOptions
    public var options: ScanOptions
    public var rulePacks: [RuleTemplate]

    public init(target: URL, description: APIDescription?, configuration: ScanConfiguration, engineOptions: EngineOptions,
                options: ScanOptions = ScanOptions(), rulePacks: [RuleTemplate] = []) {
        self.target = target
        endpoints = description.map { description in description.operations.map { Endpoint(operation: $0, document: description.document) } } ?? []
        self.configuration = configuration
        self.engineOptions = engineOptions
        self.options = options
        self.rulePacks = rulePacks
    }

    var checks: [any ScanCheck] {
        let templates: [any ScanCheck] = rulePacks.map { TemplateCheck(template: $0) }
        let all = ScanChecks.all + templates
        return options.onlyRules.isEmpty ? all : all.filter { options.onlyRules.contains($0.rule.id) }
    }

    /// What the scan would do, one line each, without sending anything.
    public func plan() -> [String] {
        var lines = ["target \(target.absoluteString) (scope: \(Scope.origin(of: target) ?? "?") only)"]
        lines += configuration.setup.map { "setup: \($0.method) \($0.path)" }
        lines += configuration.identities.map { "identity \($0.name) (role \($0.role))\($0.signup == nil ? "" : ", signs up first")" }
        let creators = endpoints.filter { $0.method == "POST" && $0.pathParameters.isEmpty && $0.takesJSONBody && !$0.operation.isAuthenticationEndpoint }
        lines += creators.map { "seed: \($0.label) once as each user identity" }
        lines += endpoints.map { "operation: \($0.label)\($0.isSecured ? " (secured)" : "")" }
        if endpoints.isEmpty {
            lines += configuration.endpoints.map { "operation (rampart.yml): \($0.method) \($0.path)" }
            lines.append("crawl: links and forms from / and robots.txt (at most \(SurfaceCrawler.defaultPageLimit) pages, GET only)")
        }
        lines.append(options.graphQLPath.map { "graphql: \($0)" } ?? "graphql: probe \(GraphQLAPI.commonPaths.joined(separator: ", ")) with { __typename }")
        lines += checks.map { "check: \($0.rule.id) [\($0.rule.owasp.rawValue), \($0.rule.severity.rawValue)]" }
        lines.append(options.allowDestructive ? "destructive requests: allowed (--allow-destructive)" : "destructive requests: only on objects Rampart creates")
        return lines
    }

    /// Runs the scan. Cancelling the task stops sending and returns what was found so far.
    public func run(progress: @escaping @Sendable (ScanProgress) -> Void = { _ in }) async throws -> ScanResult {
        let started = ContinuousClock.now
        let engine = try HTTPEngine(scope: Scope([target]), options: engineOptions)
        let redactor = Redactor()
        let answers = AnswerLog()
        engine.observe { answers.record($0) }
        let listener = try? await CallbackListener.start()
        let gate = configuration.loginSpacing.map { LoginGate(spacing: .milliseconds(Int($0 * 1000))) }
        let sessions = configuration.identities.map { Session(identity: $0, engine: engine, base: target, redactor: redactor, gate: gate) }
        var scan: ScanContext?
        let checks = self.checks
        func tick(_ phase: String, _ done: Int, _ scan: ScanContext? = nil) {
            progress(ScanProgress(phase: phase, checksDone: done, checksTotal: checks.count, operationsTested: scan?.operationsDone ?? 0,
                                 requests: engine.counters.sent, findings: scan?.findingCount ?? 0))
        }

        do {
            tick("setup", 0)
            for step in configuration.setup {
                guard let request = step.request(base: target) else { throw LoginError(description: "setup step '\(step.path)' is not a valid path or URL (\(step.place))") }
                let exchange = try await engine.send(request)
                if exchange.response.status >= 400 {
                    throw LoginError(description: "setup step \(step.method) \(step.path) answered \(exchange.response.status) (\(step.place))")
                }
            }
            tick("signing in", 0)
            for session in sessions { _ = try await session.token() }
            var endpoints = self.endpoints
            if endpoints.isEmpty {
                tick("crawling", 0)
                endpoints = await crawledEndpoints(engine: engine, sessions: sessions)
            }
            tick("looking for GraphQL", 0)
            let graphQL = await GraphQLAPI.discover(base: target, path: options.graphQLPath, schema: options.graphQLSchema, engine: engine, sessions: sessions)
            let context = ScanContext(base: target, endpoints: endpoints, sessions: sessions, engine: engine, redactor: redactor, options: options, listener: listener,
                                      answers: answers, graphQL: graphQL, configuration: configuration)
            scan = context
            tick("creating objects", 0, context)
            await Seeder.seed(context)
            await GraphQLExplorer.explore(context)
            await GraphQLAccess.seed(context)
            try Task.checkCancellation()
            let finished = Counter()
            // RAMPART_TRACE_CHECKS=1 prints how long each check took, to find what makes a scan slow.
            let traceChecks = ProcessInfo.processInfo.environment["RAMPART_TRACE_CHECKS"] == "1"
            for passive in [false, true] {
                await withTaskGroup(of: Void.self) { group in
                    for check in checks where check.passive == passive {
                        group.addTask {
                            guard !Task.isCancelled else { return }
                            let began = ContinuousClock.now
                            await check.run(context)
                            if traceChecks { FileHandle.standardError.write(Data("check \(check.rule.id): \(ContinuousClock.now - began)\n".utf8)) }
                            tick("checking", finished.increment(), context)
                        }
                    }
                }
            }
        } catch is CancellationError {
            engine.stop()
        } catch EngineRefusal.budgetExhausted, EngineRefusal.stopped {
            // Reported below as a partial scan.
        } catch {
            await listener?.stop()
            await engine.shutdown()
            throw error
        }
        await listener?.stop()
        let partial = Task.isCancelled || engine.counters.stopped || (engineOptions.requestBudget.map { engine.counters.sent >= $0 } ?? false)
        let counters = engine.counters
        await engine.shutdown()
        return ScanResult(findings: (scan?.findings ?? []).sortedForReport(), requests: counters.sent, duration: ContinuousClock.now - started,
                          operations: scan?.endpoints.count ?? endpoints.count, refused: counters.refused, partial: partial)
    }

    /// Without a description: the operations `rampart.yml` lists and those a crawl of the target finds, as the first user identity sees them.
    func crawledEndpoints(engine: HTTPEngine, sessions: [Session]) async -> [Endpoint] {
        let session = sessions.first { !$0.identity.isAdmin } ?? sessions.first
        let found = await SurfaceCrawler(base: target, engine: engine, session: session, listed: configuration.endpoints).crawl()
        guard !found.isEmpty, let description = try? SurfaceDescription.document(found) else { return [] }
        return description.operations.map { Endpoint(operation: $0, document: description.document) }
    }
}

/// A thread-safe counter for progress.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

