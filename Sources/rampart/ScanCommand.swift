import ArgumentParser
import Foundation
import RampartCore
import RampartDiscover
import RampartGraphQL
import RampartHTTP
import RampartReport
import RampartScan
import RampartSpec

struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Test a running API for the OWASP API Security Top 10, as several identities.",
        discussion: """
        Rampart reads the API description, signs in every identity named in the configuration, creates the objects it needs as each of them, then runs every check that applies: object and function level authorization (BOLA, BFLA), authentication and JWT flaws, mass assignment, data exposure, resource limits, business flows, SSRF (confirmed by an out-of-band listener), misconfiguration and injections. Each finding carries the request that proves it, the response, a curl command (secrets redacted) and the fix.

        Only the target's origin is contacted. By default DELETE, PUT, PATCH and POSTs on existing objects are sent only to objects Rampart created itself (--allow-destructive lifts this). Ctrl-C stops cleanly and still writes the report of what was found.

        The configuration (rampart.yml, section scan:) names the identities and how each signs in; see docs/configuration.md.

        Examples:
          rampart lab &
          curl -s http://127.0.0.1:8088/rampart.yml > lab.yml
          rampart scan --target http://127.0.0.1:8088 --config lab.yml
          rampart scan --spec api.yaml --target https://staging.example.com \\
              --config rampart.yml --format sarif -o scan.sarif --fail-on high
          rampart scan --target http://127.0.0.1:8088 --config lab.yml --dry-run
          rampart scan --target http://127.0.0.1:8000 --traffic browsing.har --config rampart.yml
          rampart scan --target http://127.0.0.1:4000 --graphql /api/graphql
          rampart scan --target http://127.0.0.1:4000 --graphql-schema schema.graphql
          rampart scan --target https://staging.example.com --rps 10 \\
              --proxy http://127.0.0.1:8080
        """)

    @Option(help: "The API description: a file or an http(s) URL. Without it, Rampart looks for /openapi.json and similar on the target.")
    var spec: String?

    @Option(help: "Traffic to learn the operations from when the API has no description: a HAR file, an access log or gateway records (as `rampart discover` reads them); may be repeated. Not with --spec.")
    var traffic: [String] = []

    @Option(help: "The base URL of the running API. Only this origin is contacted.")
    var target: String

    @Option(help: "Configuration file with the scan: section (identities, setup). Default: ./rampart.yml when present.")
    var config: String?

    @Option(help: "Requests per second across the scan; 0 for no limit.")
    var rps: Double = 100

    @Option(help: "Requests in flight at once.")
    var concurrency: Int = 8

    @Option(help: "Seconds each request may take.")
    var timeout: Int = 10

    @Option(help: "Extra attempts after a connection failure (never after an HTTP answer).")
    var retries: Int = 2

    @Option(help: "Stop after this many requests; the report says it is partial.")
    var maxRequests: Int?

    @Option(help: "Send everything through this HTTP proxy (Burp, ZAP), e.g. http://127.0.0.1:8080.")
    var proxy: String?

    @Flag(help: "Accept any TLS certificate from the target.")
    var insecure = false

    @Option(help: "PEM file of extra trusted CA certificates.")
    var caFile: String?

    @Option(help: "PEM client certificate for mutual TLS (with --client-key).")
    var clientCert: String?

    @Option(help: "PEM private key of --client-cert.")
    var clientKey: String?

    @Flag(help: "Allow DELETE, PUT, PATCH and POSTs on objects Rampart did not create.")
    var allowDestructive = false

    @Flag(help: "Print what would be done and send nothing (not even to sign in).")
    var dryRun = false

    @Option(name: .customLong("rules"), help: "A folder of extra rule pack files (YAML); may be repeated. See docs/rule-packs.md.")
    var ruleFolders: [String] = []

    @Option(help: "A file of candidate JWT secrets, one per line, tried after the built-in list.")
    var jwtWordlist: String?

    @Option(help: "The GraphQL endpoint's path. Default: /graphql, /api/graphql and other common paths are tried.")
    var graphql: String?

    @Option(help: "The GraphQL schema as SDL, for an API whose introspection is off.")
    var graphqlSchema: String?

    @Option(name: .customLong("only"), help: "Run only this check (rule id); may be repeated.")
    var only: [String] = []

    @OptionGroup var report: ReportOptions

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard rps >= 0 else { throw ValidationError("--rps must be 0 (no limit) or more") }
        guard timeout >= 1 else { throw ValidationError("--timeout must be at least 1 second") }
        guard (clientCert == nil) == (clientKey == nil) else { throw ValidationError("--client-cert and --client-key go together") }
    }

    func run() async throws {
        guard let base = URL(string: target), let scheme = base.scheme?.lowercased(), ["http", "https"].contains(scheme), base.host != nil else {
            throw CLIFailure.input("--target: '\(target)' is not an http(s) URL")
        }
        let configuration = try loadConfiguration()
        var packs: [RuleTemplate]
        do {
            packs = try RulePackLoader.builtIn()
            for folder in ruleFolders { packs += try RulePackLoader.load(folder: folder) }
        } catch { throw CLIFailure.input(error.description) }
        if let jwtWordlist, !FileManager.default.isReadableFile(atPath: jwtWordlist) { throw CLIFailure.input("\(jwtWordlist): cannot read the JWT word list") }
        let known = Set(ScanChecks.all.map(\.rule.id) + packs.map(\.rule.id))
        for id in only where !known.contains(id) { throw CLIFailure.input("--only: unknown check '\(id)' (see `rampart rules`)") }

        let description: APIDescription?
        var source = "none"
        if !traffic.isEmpty {
            guard spec == nil else { throw CLIFailure.input("--traffic and --spec: give one (the traffic is drafted into a description)") }
            (description, source) = try TrafficDescription.load(traffic)
        } else if dryRun && (spec == nil || spec!.hasPrefix("http://") || spec!.hasPrefix("https://")) {
            // A dry run sends nothing, the description's download included: it says where it would look.
            let places = spec.map { [$0] } ?? SpecLoader.discoveryPaths.map { URL(string: $0, relativeTo: base)!.absoluteString }
            source = "not fetched in a dry run; would try \(places.joined(separator: ", "))"
            description = nil
        } else {
            do {
                (description, source) = try await SpecLoader.load(spec: spec, target: base, insecure: insecure)
            } catch let failure as SpecLoader.Failure {
                if case .unreachable = failure { throw CLIFailure.input(failure.description) }
                guard spec == nil else { throw CLIFailure.input(failure.description) }
                Terminal.note("rampart: \(failure.description); scanning without one: crawling the target for pages, forms and the endpoints rampart.yml lists")
                description = nil
            } catch let error as SpecError {
                throw CLIFailure.input(error.description)
            }
        }

        var options = ScanOptions()
        options.allowDestructive = allowDestructive
        options.jwtWordlist = jwtWordlist
        options.onlyRules = Set(only)
        options.graphQLPath = graphql.map { $0.hasPrefix("/") ? $0 : "/" + $0 }
        if let graphqlSchema {
            guard let sdl = FileManager.default.contents(atPath: graphqlSchema).flatMap({ String(data: $0, encoding: .utf8) }) else {
                throw CLIFailure.input("\(graphqlSchema): cannot read the GraphQL schema")
            }
            do { options.graphQLSchema = try await GraphQLSchemaModel(sdl: sdl) } catch { throw CLIFailure.input("\(graphqlSchema): \(error)") }
        }
        let engine = EngineOptions(requestsPerSecond: rps == 0 ? nil : rps, concurrency: concurrency, timeout: .seconds(timeout), retries: retries,
                                   requestBudget: maxRequests, proxy: try proxy.map(parseProxy), insecure: insecure, caFile: caFile,
                                   clientCertificate: clientCert, clientKey: clientKey)
        let scanner = ScanRunner(target: base, description: description, configuration: configuration, engineOptions: engine, options: options, rulePacks: packs)
        if dryRun {
            try Terminal.write((["spec: \(source)"] + scanner.plan()).joined(separator: "\n") + "\n", to: nil)
            return
        }

        let result = try await runInterruptibly(scanner)
        Terminal.endProgress()
        let rules = ScanChecks.all.map(\.rule) + packs.map(\.rule)
        // A stopped scan says so in every format, not only on the terminal.
        let subjects = result.partial
            ? [Report.Subject(name: base.absoluteString, score: nil, findings: result.findings.count,
                              error: "partial scan: stopped (Ctrl-C or --max-requests) before every check finished")]
            : []
        let shared = Report(tool: .init(version: Rampart.version), command: "scan", target: base.absoluteString, findings: result.findings, rules: rules,
                            subjects: subjects, run: .init(requests: result.requests, operations: result.operations, seconds: result.duration.inSeconds,
                                                           partial: result.partial))
        let seconds = result.duration.inSeconds
        Terminal.note(String(format: "rampart scan: %d operations, %d requests in %.1f s (%.0f req/s), %d findings%@", result.operations, result.requests, seconds,
                             Double(result.requests) / max(seconds, 0.001), result.findings.count, result.partial ? " (partial: stopped early)" : ""))
        for url in Set(result.refused).sorted().prefix(10) { Terminal.note("out of scope, not requested: \(url)") }
        try report.emit(shared)
        if report.failOn.fails(result.findings) { throw ExitCode(1) }
    }

    private func loadConfiguration() throws(CLIFailure) -> ScanConfiguration {
        let path = config ?? (FileManager.default.fileExists(atPath: "rampart.yml") ? "rampart.yml" : nil)
        guard let path else { return ScanConfiguration() }
        do {
            _ = try AuditConfiguration.load(path: path)
            return try ScanConfiguration.load(path: path)
        } catch { throw .input(error.description) }
    }

    private func parseProxy(_ text: String) throws(CLIFailure) -> URL {
        guard let url = URL(string: text), url.scheme?.lowercased() == "http", url.host != nil else {
            throw .input("--proxy: '\(text)' is not an http://host:port URL")
        }
        return url
    }

    /// Runs the scan; Ctrl-C (SIGINT) cancels it, and what was found so far is still reported.
    private func runInterruptibly(_ scanner: ScanRunner) async throws -> ScanResult {
        let showProgress = Terminal.stderrIsTTY
        let started = ContinuousClock.now
        let task = Task {
            try await scanner.run { progress in
                guard showProgress else { return }
                let elapsed = ContinuousClock.now - started
                let rate = Double(progress.requests) / max(0.001, elapsed.inSeconds)
                Terminal.progress("\(progress.phase): checks \(progress.checksDone)/\(progress.checksTotal) · \(progress.operationsTested) operation tests · \(progress.requests) requests (\(Int(rate))/s) · \(progress.findings) findings")
            }
        }
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupt.setEventHandler {
            Terminal.note("\nrampart: interrupted; finishing the report with what was found so far")
            task.cancel()
        }
        interrupt.resume()
        defer { interrupt.cancel(); signal(SIGINT, SIG_DFL) }
        do {
            return try await task.value
        } catch let error as LoginError {
            throw CLIFailure.input(error.description)
        } catch let error as EngineRefusal {
            throw CLIFailure.input(error.description)
        } catch {
            throw CLIFailure.internal("could not reach \(target)\(proxy.map { " through the proxy \($0)" } ?? ""): \(error)")
        }
    }
}

/// A description drafted from recorded traffic, for `scan --traffic`: the operations `rampart discover` finds in it.
enum TrafficDescription {
    static func load(_ files: [String]) throws(CLIFailure) -> (APIDescription, String) {
        let discoverer = Discoverer()
        for file in files {
            do { _ = try discoverer.add(path: file) } catch { throw .input(error.description) }
        }
        let discovery = discoverer.finish()
        guard !discovery.operations.isEmpty else { throw .input("\(files.joined(separator: ", ")): no HTTP requests found to learn operations from") }
        let document = SpecEmitter.document(discovery, title: "Drafted from traffic")
        do {
            let description = try APIDescription(SpecDocument(text: document.json(), file: "(traffic)"))
            return (description, "drafted from \(discovery.requests) request(s) in \(files.joined(separator: ", ")): \(discovery.operations.count) operation(s)")
        } catch { throw .input("\(files.joined(separator: ", ")): the drafted description is not valid: \(error)") }
    }
}
