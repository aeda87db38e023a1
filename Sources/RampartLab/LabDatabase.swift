import CSQLite
import Foundation

/// A value read from or bound into SQLite.
enum SQLValue: Sendable, Equatable {
    case integer(Int64), real(Double), text(String), null

    var json: Any {
        switch self {
        case .integer(let value): value
        case .real(let value): value
        case .text(let value): value
        case .null: NSNull()
        }
    }
    var text: String? { if case .text(let value) = self { value } else if case .integer(let value) = self { String(value) } else { nil } }
    var integer: Int64? { if case .integer(let value) = self { value } else if case .real(let value) = self { Int64(value) } else { nil } }
    var real: Double? { if case .real(let value) = self { value } else if case .integer(let value) = self { Double(value) } else { nil } }
}

/// An SQLite error, with the engine's own message (the vulnerable lab shows it; the secure one does not).
struct SQLError: Error, CustomStringConvertible {
    var message: String
    var description: String { "SQLITE_ERROR: \(message)" }
}

typealias Row = [String: SQLValue]

/// The lab's storage: one in-memory SQLite database per lab, behind a lock.
/// Written on the C API directly: it is a few calls, and the lab needs raw SQL strings to be injectable.
final class LabDatabase: @unchecked Sendable {
    private var handle: OpaquePointer?
    private let lock = NSLock()

    init() throws {
        guard sqlite3_open(":memory:", &handle) == SQLITE_OK else { throw SQLError(message: "cannot open an in-memory database") }
    }

    deinit { sqlite3_close(handle) }

    /// Runs one statement with bound parameters and returns its rows.
    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue] = []) throws -> [Row] {
        lock.lock()
        defer { lock.unlock() }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK else { throw SQLError(message: lastMessage) }
        defer { sqlite3_finalize(statement) }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (index, value) in parameters.enumerated() {
            let position = Int32(index + 1)
            switch value {
            case .integer(let number): sqlite3_bind_int64(statement, position, number)
            case .real(let number): sqlite3_bind_double(statement, position, number)
            case .text(let string): sqlite3_bind_text(statement, position, string, -1, transient)
            case .null: sqlite3_bind_null(statement, position)
            }
        }
        var rows: [Row] = []
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else { throw SQLError(message: lastMessage) }
            var row: Row = [:]
            for column in 0..<sqlite3_column_count(statement) {
                let name = String(cString: sqlite3_column_name(statement, column))
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: row[name] = .integer(sqlite3_column_int64(statement, column))
                case SQLITE_FLOAT: row[name] = .real(sqlite3_column_double(statement, column))
                case SQLITE_NULL: row[name] = .null
                default: row[name] = .text(String(cString: sqlite3_column_text(statement, column)))
                }
            }
            rows.append(row)
        }
        return rows
    }

    private var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }
}
