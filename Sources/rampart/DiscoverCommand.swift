import ArgumentParser
import Foundation
import RampartCore
import RampartDiscover
import RampartReport
import RampartSpec

struct DiscoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discover",
        abstract: "Inventory an API from its traffic: endpoints, parameters, auth, sensitive data; shadow and zombie APIs.",
        discussion: """
        Reads HAR files (browser and proxy exports), nginx/Apache access logs (common or combined format) and \
        `rampart gateway` traffic records, gzip-compressed or not, streaming (a multi-gigabyte log is fine). \
        Concrete paths become templates (/users/8812/orders/5 → /users/{userId}/orders/{orderId}). Lines that \
        cannot be read are counted and the first few reported; they never stop the run.

        With --spec, traffic is compared with the description: shadow operations (served, not documented), \
        zombies (deprecated or older versions still called), orphans (documented, never called), undocumented \
        parameters and statuses, and secured operations seen answering calls without credentials.

        Sensitive values (card numbers, IBANs, SSNs, e-mails, phones, JWTs, API keys, passwords) are recognised \
        and reported by place and kind; the values themselves are never printed or written.

        Examples:
          rampart discover --input traffic.har
          rampart discover --input access.log.gz --input traffic.har --spec openapi.yaml
          rampart discover --input access.log --emit-spec discovered.yaml
          rampart discover --input graphql-traffic.har --emit-schema discovered.graphql
          rampart discover --input traffic.har --spec openapi.yaml --format html --output inventory.html --fail-on high
        """)

    @Option(name: [.short, .long], help: "A traffic file; its format is recognised from its content. Repeat for several.")
    var input: [String] = []

    @Option(help: "A HAR file (read as HAR whatever it looks like).")
    var har: [String] = []

    @Option(help: "An access log in common or combined format.")
    var log: [String] = []

    @Option(help: "The API description to compare the traffic with (OpenAPI 2.0/3.x, JSON or YAML).")
    var spec: String?

    @Option(help: "Write an OpenAPI 3.1 draft of the traffic to this file (YAML, or JSON when it ends in .json).")
    var emitSpec: String?

    @Option(help: "Write a GraphQL SDL draft of the GraphQL operations in the traffic (root fields, arguments, the types answers showed) to this file.")
    var emitSchema: String?

    @Option(help: "The most bytes one traffic file may hold once decompressed; gzip that expands more than 250 times is refused as a bomb.")
    var maxInputBytes: UInt64 = 16 << 30

    @OptionGroup var report: ReportOptions

    func validate() throws {
        guard !(input + har + log).isEmpty else { throw ValidationError("give at least one traffic file with --input, --har or --log") }
    }

    func run() throws {
        try ChunkReader.$maximumBytes.withValue(maxInputBytes) { try discover() }
    }

    private func discover() throws {
        let api: APIDescription?
        do { api = try spec.map { try APIDescription(SpecDocument(path: $0)) } } catch { throw CLIFailure.input("\(error)") }

        let discoverer = Discoverer()
        let files = input.map { ($0, TrafficFormat?.none) } + har.map { ($0, TrafficFormat?.some(.har)) } + log.map { ($0, TrafficFormat?.some(.accessLog)) }
        for (index, (file, format)) in files.enumerated() {
            Terminal.progress("[\(index + 1)/\(files.count)] reading \(file)")
            discoverer.onProgress = { count in Terminal.progress("[\(index + 1)/\(files.count)] reading \(file): \(count) requests so far") }
            do {
                let summary = try discoverer.add(path: file, format: format)
                if let first = summary.firstMalformed.first {
                    Terminal.endProgress()
                    Terminal.note("\(file): \(summary.malformed) line(s) could not be read; the first at line \(first.line): \(first.problem)")
                }
            } catch {
                Terminal.endProgress()
                throw CLIFailure.input(error.description)
            }
        }
        Terminal.endProgress()
        let discovery = discoverer.finish()

        var findings = TrafficFindings.findings(discovery)
        if let api { findings += SpecComparison.findings(discovery, spec: api) }
        if let emitSpec {
            let document = SpecEmitter.document(discovery, title: api.flatMap { $0.info?.node["title"]?.scalarText }.map { "\($0) (discovered)" } ?? "Discovered API")
            try Terminal.write((emitSpec.hasSuffix(".json") ? document.json() : document.yaml()) + "\n", to: emitSpec)
            Terminal.note("wrote an OpenAPI 3.1 draft of \(discovery.operations.count) operation(s) to \(emitSpec)")
        }
        if let emitSchema {
            guard !discovery.graphQL.isEmpty else { throw CLIFailure.input("--emit-schema: the traffic holds no GraphQL request") }
            try Terminal.write(discovery.graphQLSchema, to: emitSchema)
            Terminal.note("wrote a GraphQL SDL draft of \(discovery.graphQL.count) operation(s) to \(emitSchema)")
        }
        let report = Report(tool: .init(version: Rampart.version), command: "discover", target: files.map(\.0).joined(separator: " "),
                            findings: findings, rules: DiscoverRules.all,
                            tables: [InventoryTables.endpoints(discovery)] + (discovery.graphQL.isEmpty ? [] : [InventoryTables.graphQL(discovery)]) + [InventoryTables.inputs(discovery)])
        try self.report.emit(report)
        if self.report.failOn.fails(report.findings) { throw ExitCode(1) }
    }
}

/// The inventory as report tables: one row per operation, one per input file.
enum InventoryTables {
    static func endpoints(_ discovery: Discovery) -> Report.Table {
        Report.Table(
            title: "Endpoints (\(discovery.operations.count) operations from \(discovery.requests) requests)",
            columns: ["method", "path", "requests", "statuses", "auth", "clients", "first seen", "last seen", "sensitive data"],
            rows: discovery.operations.map { operation in
                [operation.method, operation.template, String(operation.requests),
                 operation.statuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " "),
                 operation.authSummary, String(operation.clients), date(operation.firstSeen), date(operation.lastSeen),
                 Set(operation.sensitive.map(\.sighting.kind)).sorted().map(\.rawValue).joined(separator: " ")]
            })
    }

    static func graphQL(_ discovery: Discovery) -> Report.Table {
        Report.Table(
            title: "GraphQL operations (\(discovery.graphQL.count))",
            columns: ["endpoint", "operation", "requests", "errors", "statuses", "callers", "fields used", "first seen", "last seen"],
            rows: discovery.graphQL.map { operation in
                [operation.endpoint, operation.label, String(operation.requests), String(operation.errors),
                 operation.statuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " "),
                 operation.callers.sorted().prefix(5).joined(separator: " ") + (operation.callers.count > 5 ? " (+\(operation.callers.count - 5))" : ""),
                 operation.fieldsUsed.sorted().joined(separator: " "), date(operation.firstSeen), date(operation.lastSeen)]
            })
    }

    static func inputs(_ discovery: Discovery) -> Report.Table {
        Report.Table(
            title: "Inputs", columns: ["file", "format", "requests", "unreadable lines", "first unreadable"],
            rows: discovery.inputs.map { input in
                [input.file, input.format.rawValue, String(input.records), String(input.malformed),
                 input.firstMalformed.map { "line \($0.line): \($0.problem)" }.joined(separator: "; ")]
            })
    }

    private static func date(_ seconds: Double?) -> String {
        seconds.map { Date(timeIntervalSince1970: $0).formatted(.iso8601) } ?? "-"
    }
}
