import ArgumentParser
import Foundation
import NIOPosix
import RampartGateway
import RampartSpec

/// `rampart gateway`: serving is the default; `verify-log` checks an audit log's hash chain.
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Run the security gateway: a reverse proxy that lets through only well-formed, authorized requests.",
        subcommands: [GatewayServeCommand.self, GatewayVerifyLogCommand.self, GatewayHashKeyCommand.self],
        defaultSubcommand: GatewayServeCommand.self)
}

struct GatewayVerifyLogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-log",
        abstract: "Check that a gateway audit log is intact: its chain of hashes and its signed checkpoints.",
        discussion: """
        Every line carries the hash of the line before it (an HMAC under the log's key when audit_log has key_file or
        key_env), so a changed, removed, inserted or reordered line is found at its number. With a key, the gateway also
        writes signed checkpoints to FILE.checkpoints (the number of lines and the last line's chain value); given the
        key, verify-log checks every checkpoint's signature and that the log still holds the lines they cover, which
        finds a cut tail, a forged appended line and a chain rewritten from scratch. Lines written after the last
        checkpoint (at most checkpoint_interval seconds of them) can still be cut without a trace: see docs/gateway.md.

        Exit codes: 0 intact · 1 tampered (the line or checkpoint is printed) · 2 unreadable file or key.

        Examples:
          rampart gateway verify-log gateway-audit.jsonl
          rampart gateway verify-log gateway-audit.jsonl --key-file /etc/rampart/audit.key
          RAMPART_AUDIT_KEY=… rampart gateway verify-log gateway-audit.jsonl --key-env RAMPART_AUDIT_KEY
        """)

    @Argument(help: "The audit log (JSON lines).")
    var file: String

    @Option(help: "The file with the log's key (audit_log.key_file).")
    var keyFile: String?

    @Option(help: "The environment variable with the log's key (audit_log.key_env).")
    var keyEnv: String?

    func run() throws {
        var settings = AuditLogSettings(path: file)
        settings.keyFile = keyFile
        settings.keyEnvironment = keyEnv
        let result: Result<AuditLog.Verification, AuditLog.ChainBreak>
        do {
            let key = try AuditLog.key(settings)
            result = try AuditLog.verify(path: file, key: key)
        } catch let error as AuditLog.KeyError {
            throw CLIFailure.input(error.description)
        } catch {
            throw CLIFailure.input("\(file): cannot read the audit log (\(error.localizedDescription))")
        }
        switch result {
        case .success(let verified):
            var line = "\(file): intact, \(verified.entries) entries"
            if let last = verified.lastCheckpoint {
                line += "; \(verified.checkpoints) checkpoint(s), the last (\(last)) covers \(verified.coveredEntries)"
                if verified.entries > verified.coveredEntries { line += " (\(verified.entries - verified.coveredEntries) newer entries not yet covered)" }
            } else {
                line += "; no checkpoint (unkeyed log: truncation and rewriting cannot be ruled out)"
            }
            print(line)
        case .failure(let chainBreak):
            Terminal.error(chainBreak.line > 0 ? "\(file):\(chainBreak.line): \(chainBreak.problem)" : "\(file): \(chainBreak.problem)")
            throw ExitCode(1)
        }
    }
}

struct GatewayHashKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash-key",
        abstract: "Print the salted hash of an API key, for an api_key authenticator's keys (the key itself is never stored).",
        discussion: """
        The key is read from standard input (not from the command line, where other users and the shell history would see it).

        Examples:
          openssl rand -hex 24 | tee ci-bot.key | rampart gateway hash-key
          rampart gateway hash-key < ci-bot.key       # → sha256:SALT:HEX, for keys: [{name: ci-bot, hash: "…"}]
        """)

    @Option(help: "The salt (default: 16 random hex digits).")
    var salt: String?

    func run() throws {
        let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        let key = input.trimmingCharacters(in: .newlines)
        guard !key.isEmpty else { throw CLIFailure.input("no key on standard input (example: rampart gateway hash-key < ci-bot.key)") }
        let salt = salt ?? String(format: "%016llx", UInt64.random(in: 0...UInt64.max))
        guard !salt.isEmpty, !salt.contains(":") else { throw CLIFailure.input("--salt must be non-empty and without ':'") }
        print(APIKeyAuthenticator.hash(key, salt: salt))
    }
}

struct GatewayServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the gateway (the default: `rampart gateway --config FILE`).",
        discussion: """
        The gateway normalises every request path before routing (so /%61dmin, /api/../admin, //admin, /admin;x and /ADMIN all reach the same decision), refuses request-smuggling shapes and oversized requests, routes by host, path and method to upstreams over pooled keep-alive connections, streams bodies both ways, adds X-Forwarded-* and Forwarded headers, removes Server and X-Powered-By, and answers upstream failures with a generic 502 or 504 and a correlation id.

        Routes may require a JWT (keys from a JWKS file, a JWKS URL or OIDC discovery, refreshed when a token names an unknown kid; HMAC secrets from the environment or a file; an algorithm allow-list; iss, aud, exp and nbf with leeway; a verified token is cached until it expires), an API key (stored as salted hashes) or a client certificate (mTLS, verified against the listener's CA bundle), then roles, scopes, claims and ownership of a path parameter, and rate limits per client, subject or route (429 with Retry-After and RateLimit headers). Listeners may terminate TLS; upstreams may be https.

        A route may enforce an OpenAPI description (openapi: api.yaml): only documented operations pass, parameters and JSON bodies are checked against their schemas (400 without echoing the input, 415 for undeclared content types), properties the answers' schemas do not declare are removed, and 5xx answers that show stack traces become a generic error; mode: monitor only logs. traffic_log: writes sampled, redacted records that `rampart discover` reads. detection: watches for BOLA enumeration, brute force, credential stuffing, volume and error spikes, new operations and scraping, and raises alerts (audit log, metrics, webhook, optional block); see docs/detection.md.

        Every decision can go to an audit log (audit_log:), JSON lines chained by hashes (HMACs with a key), with signed checkpoints beside it; `rampart gateway verify-log` checks both. It is written every flush_interval (0.2 s) from a bounded backlog (max_backlog; when_full: block or shed, counted in /metrics).

        CORS is the gateway's: upstream Access-Control headers are dropped and each route's policy (explicit origins) decides.

        Signals: SIGHUP reloads the configuration file without closing connections (a configuration that does not load is refused and the running one kept); SIGINT or SIGTERM stops accepting connections, lets requests in flight finish for up to --drain-timeout seconds, and exits.

        Examples:
          rampart gateway --config gateway.yml --check
          rampart gateway --config gateway.yml
          kill -HUP $(pidof rampart)                      # reload gateway.yml
          rampart gateway verify-log gateway-audit.jsonl
        """)

    @Option(help: "The gateway configuration (YAML, section gateway:).")
    var config: String

    @Flag(help: "Validate the configuration, load its keys, certificates and audit log, and exit without listening.")
    var check = false

    @Option(help: "On SIGINT or SIGTERM, seconds to let requests in flight finish before closing their connections.")
    var drainTimeout: Double = 30

    func run() async throws {
        let configuration: GatewayConfiguration
        do { configuration = try GatewayConfiguration.load(path: config) } catch { throw CLIFailure.input(error.description) }
        let baseDirectory = (config as NSString).deletingLastPathComponent
        if check {
            do { try await GatewayServer.check(configuration, baseDirectory: baseDirectory) } catch { throw CLIFailure.input("\(config): \(error)") }
            print("\(config): valid (\(configuration.listeners.count) listener(s), \(configuration.routes.count) route(s), \(configuration.upstreams.count) upstream(s))")
            return
        }
        let server: GatewayServer
        do {
            let group = configuration.threads.map { MultiThreadedEventLoopGroup(numberOfThreads: $0) } ?? MultiThreadedEventLoopGroup.singleton
            server = try await GatewayServer.start(configuration, baseDirectory: baseDirectory, group: group)
        } catch let error as GatewayServer.StartError {
            throw CLIFailure.input("\(config): \(error)")
        } catch let error as Gatekeeper.GatekeeperError {
            throw CLIFailure.input("\(config): \(error)")
        } catch {
            throw CLIFailure.input("\(config): cannot listen: \(error)")
        }
        let schemes = configuration.listeners.map { $0.tls == nil ? "http" : "https" } + ["http"]
        let listening = zip(schemes, server.addresses).map { "\($0)://\($1.ipAddress ?? "?"):\($1.port ?? 0)" }.joined(separator: ", ")
        if let log = configuration.auditLog, !log.hasKey {
            Terminal.note("rampart gateway: the audit log \(log.path) has no key (audit_log.key_file or key_env): its chain shows accidental damage, not a deliberate rewrite")
        }
        FileHandle.standardOutput.write(Data("rampart gateway listening on \(listening); Ctrl-C stops it, SIGHUP reloads \(config)\n".utf8))
        enum Signal { case reload, stop }
        let (signals, continuation) = AsyncStream<Signal>.makeStream()
        var sources: [any DispatchSourceSignal] = []
        for (signalNumber, meaning) in [(SIGINT, Signal.stop), (SIGTERM, .stop), (SIGHUP, .reload)] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { continuation.yield(meaning) }
            source.resume()
            sources.append(source)
        }
        for await received in signals {
            guard received == .reload else { break }
            do {
                try await server.reload(try GatewayConfiguration.load(path: config))
                Terminal.note("rampart gateway: reloaded \(config)")
            } catch {
                Terminal.error("rampart gateway: reload refused, still serving the previous configuration: \(config): \(error)")
            }
        }
        sources.forEach { $0.cancel() }
        Terminal.note("rampart gateway: draining \(server.openConnections) connection(s) for up to \(drainTimeout.formatted()) s")
        await server.stop(drainTimeout: drainTimeout)
    }
}
