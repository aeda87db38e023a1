import Crypto
import Foundation

/// Everything one lab instance keeps: its database, token keys, counters and limiters.
final class LabState: @unchecked Sendable {
    let secure: Bool
    let database: LabDatabase
    let tokens: LabTokens
    /// Where statements live; the vulnerable download reads any path relative to it.
    let documents: URL
    private let lock = NSLock()
    private var nextSequentialID: Int64 = 1000
    private var windows: [String: (start: Date, count: Int)] = [:]

    static let partnerClient = (id: "partner-app", secret: "partner-lab-secret")
    static let seededUsers: [(email: String, password: String, name: String, role: String)] = [
        ("admin@bank.lab", "admin-lab-password", "Ada Admin", "admin"),
        ("carol@bank.lab", "carol-lab-password", "Carol Customer", "user"),
    ]

    init(secure: Bool) throws {
        self.secure = secure
        database = try LabDatabase()
        tokens = try LabTokens(secure: secure)
        documents = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-lab-\(UUID().uuidString)/statements")
        try FileManager.default.createDirectory(at: documents, withIntermediateDirectories: true)
        try Data("Statement 2026-10 for account 1000: opening 0.00, closing 1250.00\n".utf8).write(to: documents.appendingPathComponent("statement-2026-10.txt"))
        try createSchema()
    }

    deinit { try? FileManager.default.removeItem(at: documents.deletingLastPathComponent()) }

    private func createSchema() throws {
        for statement in [
            "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL, name TEXT NOT NULL, password_hash TEXT NOT NULL, role TEXT NOT NULL, api_key TEXT NOT NULL)",
            "CREATE TABLE accounts (id TEXT PRIMARY KEY, owner_id INTEGER NOT NULL, nickname TEXT NOT NULL, balance REAL NOT NULL, currency TEXT NOT NULL)",
            "CREATE TABLE orders (id TEXT PRIMARY KEY, owner_id INTEGER NOT NULL, product_id INTEGER NOT NULL, quantity INTEGER NOT NULL, note TEXT NOT NULL)",
            "CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, sku TEXT NOT NULL, price REAL NOT NULL)",
            "CREATE TABLE transfers (id TEXT PRIMARY KEY, owner_id INTEGER NOT NULL, from_account TEXT NOT NULL, to_account TEXT NOT NULL, amount REAL NOT NULL)",
            "CREATE TABLE webhooks (id TEXT PRIMARY KEY, owner_id INTEGER NOT NULL, url TEXT NOT NULL, event TEXT NOT NULL)",
        ] { try database.query(statement) }
        for (index, product) in ["Travel card", "Savings booster", "Gold credit card", "Mortgage calculator"].enumerated() {
            try database.query("INSERT INTO products (id, name, sku, price) VALUES (?, ?, ?, ?)",
                               [.integer(Int64(index + 1)), .text(product), .text("SKU-\(index + 1)00"), .real(Double(index + 1) * 9.5)])
        }
        for user in Self.seededUsers {
            _ = try createUser(email: user.email, password: user.password, name: user.name, role: user.role)
        }
    }

    func createUser(email: String, password: String, name: String, role: String) throws -> Row? {
        let key = "lab_" + SymmetricKey(size: .bits128).withUnsafeBytes { Data($0).map { String(format: "%02x", $0) }.joined() }
        return try database.query("INSERT INTO users (email, name, password_hash, role, api_key) VALUES (?, ?, ?, ?, ?) RETURNING *",
                                  [.text(email), .text(name), .text(Self.hash(password)), .text(role), .text(key)]).first
    }

    static func hash(_ password: String) -> String {
        SHA256.hash(data: Data(("lab-salt:" + password).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A new object id: sequential numbers in the vulnerable lab (predictable), random UUIDs in the secure one.
    func newID() -> String {
        guard !secure else { return UUID().uuidString.lowercased() }
        lock.lock()
        defer { lock.unlock() }
        nextSequentialID += 1
        return String(nextSequentialID)
    }

    /// Counts one event under `key` in a fixed window; true while the count stays within `limit`.
    func allow(_ key: String, limit: Int, per window: TimeInterval, now: Date = Date()) -> (allowed: Bool, remaining: Int, reset: Int) {
        lock.lock()
        defer { lock.unlock() }
        var entry = windows[key] ?? (now, 0)
        if now.timeIntervalSince(entry.start) >= window { entry = (now, 0) }
        entry.count += 1
        windows[key] = entry
        let reset = max(0, Int((entry.start.addingTimeInterval(window)).timeIntervalSince(now).rounded(.up)))
        return (entry.count <= limit, max(0, limit - entry.count), reset)
    }
}
