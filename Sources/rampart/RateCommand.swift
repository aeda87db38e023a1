import ArgumentParser
import Foundation
import RampartCore
import RampartRate
import RampartReport

struct RateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rate",
        abstract: "Grade API hosts from the outside: TLS, security headers, CORS, cookies, disclosure.",
        discussion: """
        For each host: TLS protocol versions and cipher suites (each probed separately), the certificate chain,
        the Mozilla HTTP Observatory's header tests and score, and API-specific checks (CORS reflection,
        null origin, TRACE, version banners, stack traces, exposed API descriptions, security.txt).
        Every point taken away is a finding with its evidence and fix. See docs/scoring.md.

        Examples:
          rampart rate https://api.example.com
          rampart rate --targets hosts.txt --concurrency 50 --format json --output ratings.json
          rampart rate https://internal.example:8443 --ca-file corp-ca.pem --http-port 8080
        """)

    @Argument(help: "Host URLs (https://host[:port][/path]).")
    var urls: [String] = []

    @Option(help: "A file with one URL per line; blank lines and lines starting with # are ignored.")
    var targets: String?

    @Option(help: "Hosts rated at once.")
    var concurrency: Int = 10

    @Option(help: "Seconds each connection and request may take.")
    var timeout: Int = 10

    @Option(help: "Seconds one host may take in all; checks not started by then are skipped and reported.")
    var hostTimeout: Int = 60

    @Option(help: "PEM file of extra trusted CA certificates (private CAs, tests).")
    var caFile: String?

    @Option(help: "Port for the plain-HTTP redirect test when the URL has an explicit port (default: 80 for default-port URLs, else skipped).")
    var httpPort: Int?

    @OptionGroup var report: ReportOptions

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard timeout >= 1, hostTimeout >= 1 else { throw ValidationError("--timeout and --host-timeout must be at least 1 second") }
        guard !urls.isEmpty || targets != nil else { throw ValidationError("give at least one URL or --targets FILE") }
    }

    func run() async throws {
        let hosts = try readTargets()
        let roots: X509Roots
        do { roots = try X509Roots(caFile: caFile) } catch { throw CLIFailure.input("\(caFile ?? "CA file"): \(error)") }
        let client = RateClient(timeout: .seconds(timeout))
        let rater = HostRater(client: client, roots: roots.store, httpPort: httpPort, hostBudget: .seconds(hostTimeout))
        let ratings = await rate(hosts, with: rater)
        try? await client.shutdown()

        let portfolio = PortfolioRating(hosts: ratings)
        let findings = ratings.flatMap(\.findings)
        if report.format == .json {
            try Terminal.write(RatingDocument(portfolio: portfolio, version: Rampart.version, target: hosts.map(\.absoluteString)).json(), to: report.output)
            if let output = report.output { Terminal.note("wrote json report to \(output)") }
        } else {
            let subjects = portfolio.hosts.map { rating in
                Report.Subject(name: rating.url, score: Score(value: rating.score, grade: Grade(rawValue: rating.grade) ?? .f, deductions: [:]),
                               findings: rating.findings.count, error: rating.error)
            }
            let shared = Report(tool: .init(version: Rampart.version), command: "rate", target: hosts.map(\.absoluteString).joined(separator: " "),
                                findings: findings, rules: HostRater.rules, subjects: subjects,
                                score: Score(value: portfolio.score, grade: Grade(rawValue: portfolio.grade) ?? .f, deductions: [:]))
            if report.format == .text && report.output == nil { try Terminal.write(summary(portfolio) + "\n\n", to: nil) }
            try report.emit(shared)
        }
        if report.failOn.fails(findings) { throw ExitCode(1) }
    }

    /// One line per host, worst first, then the portfolio.
    private func summary(_ portfolio: PortfolioRating) -> String {
        var lines = portfolio.hosts.map { host in
            let parts = host.error ?? "TLS \(host.tls?.grade ?? "-") · headers \(host.headers.map { "\($0.grade) (\($0.score))" } ?? "-")"
            return "\(host.grade.padding(toLength: 3, withPad: " ", startingAt: 0)) \(String(host.score).padding(toLength: 4, withPad: " ", startingAt: 0)) \(host.url)  \(parts)"
        }
        if portfolio.hosts.count > 1 { lines.append("portfolio: \(portfolio.grade) (\(portfolio.score)) over \(portfolio.hosts.count) hosts") }
        return lines.joined(separator: "\n")
    }

    private func readTargets() throws(CLIFailure) -> [URL] {
        var lines = urls
        if let targets {
            guard let text = try? String(contentsOfFile: targets, encoding: .utf8) else { throw .input("\(targets): cannot read the targets file") }
            lines += text.components(separatedBy: .newlines)
        }
        var hosts: [URL] = []
        for (index, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            guard let url = URL(string: line), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
                let place = index < urls.count ? "argument \(index + 1)" : "\(targets ?? ""):\(index - urls.count + 1)"
                throw .input("\(place): '\(line)' is not an http(s) URL")
            }
            hosts.append(url)
        }
        guard !hosts.isEmpty else { throw .input("\(targets ?? "arguments"): no URL to rate") }
        return hosts
    }

    /// Rates hosts `concurrency` at a time; a dead host is a rating with an error, never a stopped run.
    private func rate(_ hosts: [URL], with rater: HostRater) async -> [HostRating] {
        let done = Counter()
        return await withTaskGroup(of: HostRating.self) { group in
            var pending = hosts.makeIterator()
            var ratings: [HostRating] = []
            for _ in 0..<min(concurrency, hosts.count) {
                if let url = pending.next() { group.addTask { await rater.rate(url) } }
            }
            for await rating in group {
                ratings.append(rating)
                if hosts.count > 1 { Terminal.progress("[\(done.increment())/\(hosts.count)] \(rating.url) \(rating.grade)") }
                if let url = pending.next() { group.addTask { await rater.rate(url) } }
            }
            if hosts.count > 1 { Terminal.endProgress() }
            return ratings
        }
    }
}
