import ArgumentParser
import Foundation
import RampartLab

struct LabCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Run Rampart Bank, a deliberately vulnerable API, to practise on and to test the scanner.",
        discussion: """
        The lab binds 127.0.0.1 unless --host says otherwise. It serves its OpenAPI description at /openapi.json and a ready scan configuration (its demo identities and how they log in) at /rampart.yml. Every planted flaw is listed in docs/lab.md; --secure serves the same API with all of them fixed.

        Examples:
          rampart lab
          rampart lab --secure --port 8089
          curl -s http://127.0.0.1:8088/rampart.yml > lab.yml
          rampart scan --spec http://127.0.0.1:8088/openapi.json \\
              --target http://127.0.0.1:8088 --config lab.yml
        """)

    @Option(help: "The port to listen on (0 picks a free one).")
    var port: Int = Lab.defaultPort

    @Option(help: "The address to listen on. Keep the default: the lab is vulnerable on purpose.")
    var host: String = "127.0.0.1"

    @Flag(help: "Serve the secure twin: the same API with every flaw fixed.")
    var secure = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
    }

    func run() async throws {
        let running: Lab.Running
        do {
            running = try await Lab(secure: secure).start(host: host, port: port)
        } catch {
            throw CLIFailure.input("cannot listen on \(host):\(port): \(error)")
        }
        if !["127.0.0.1", "::1", "localhost"].contains(host) {
            Terminal.note("rampart: warning: the lab is listening on \(host), reachable from other machines; it is vulnerable on purpose")
        }
        let base = running.url.absoluteString
        // Written straight to the file handle so that it shows at once when stdout is a pipe.
        FileHandle.standardOutput.write(Data("""
            Rampart Bank lab\(secure ? " (secure twin)" : "") listening on \(base)
              spec:        \(base)/openapi.json
              scan config: \(base)/rampart.yml
            Press Ctrl-C to stop.

            """.utf8))
        await withTaskCancellationHandler {
            await running.wait()
        } onCancel: {}
    }
}
