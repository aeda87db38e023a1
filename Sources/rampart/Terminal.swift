import Foundation

/// Where output goes and how it looks: colour and progress only on a terminal, never in CI or pipes.
enum Terminal {
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty && $0 != "false" } ?? false }
    static var stdoutIsTTY: Bool { isatty(STDOUT_FILENO) == 1 }
    static var stderrIsTTY: Bool { isatty(STDERR_FILENO) == 1 && !isCI }
    static var colourAllowed: Bool { stdoutIsTTY && ProcessInfo.processInfo.environment["NO_COLOR"] == nil && !isCI }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data("rampart: \(message)\n".utf8))
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }

    /// Rewrites one status line on stderr; silent unless stderr is a terminal.
    static func progress(_ message: String) {
        guard stderrIsTTY else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(message.prefix(100))".utf8))
    }

    static func endProgress() {
        guard stderrIsTTY else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }

    /// Writes to `path`, or stdout when nil or `-`.
    static func write(_ text: String, to path: String?) throws(CLIFailure) {
        guard let path, path != "-" else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .input("\(path): cannot write the report (\(error.localizedDescription))")
        }
    }
}
