import ArgumentParser
import Foundation

/// Entry point. Maps every failure onto the documented exit codes:
/// 0 ran clean, 1 findings at or above `--fail-on`, 2 usage or input error, 3 internal or network failure.
@main
struct Main {
    static func main() async {
        do {
            var command = try Rampart.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CLIFailure {
            Terminal.error(failure.message)
            exit(failure.code)
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch {
            let code = Rampart.exitCode(for: error)
            if code == .success {
                print(Rampart.fullMessage(for: error))
                exit(0)
            }
            // Argument errors: ArgumentParser's message and usage, but our usage exit code.
            FileHandle.standardError.write(Data((Rampart.fullMessage(for: error) + "\n").utf8))
            exit(code == .validationFailure ? 2 : 3)
        }
    }
}

struct Rampart: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "rampart",
        abstract: "API security in one tool: audit OpenAPI descriptions, score them, report anywhere.",
        discussion: """
        Start with `rampart demo`, then point `rampart audit` at your own description:

          rampart audit api/openapi.yaml
          rampart audit api/openapi.yaml --format sarif --output rampart.sarif --fail-on high
          rampart rules
          rampart rate https://api.example.com

        Exit codes: 0 no findings at or above --fail-on · 1 findings at or above it ·
        2 usage or input error · 3 internal failure.
        """,
        version: version,
        subcommands: [AuditCommand.self, ScanCommand.self, RateCommand.self, DiscoverCommand.self, RulesCommand.self, LabCommand.self, GatewayCommand.self, DemoCommand.self])
}

/// A failure with its exit code and a one-line message for stderr.
struct CLIFailure: Error {
    var code: Int32
    var message: String

    static func input(_ message: String) -> CLIFailure { CLIFailure(code: 2, message: message) }
    static func `internal`(_ message: String) -> CLIFailure { CLIFailure(code: 3, message: message) }
}
