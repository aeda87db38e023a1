import Foundation
import RampartCore
import RampartHTTP

/// SQL injection, confirmed by a database error that the plain value does not cause, or by a true/false difference.
struct SQLInjection: ScanCheck {
    let rule = RuleMetadata(
        id: "sql-injection", title: "SQL injection", severity: .critical, owasp: .api8, cwe: [89],
        description: "Input reaches an SQL statement unescaped: a quote caused a database error, or SQL true/false conditions changed the answer.",
        remediation: "Use parameterized queries (bound parameters) everywhere; never build SQL from strings.")
    static let errors = [#"SQLITE_ERROR|sqlite3?\.|unrecognized token"#, #"SQL syntax.*MySQL|mysql_fetch|MariaDB"#, #"PG::|syntax error at or near|unterminated quoted string"#,
                         #"ORA-\d{5}"#, #"SQLSTATE\[|Unclosed quotation mark|ODBC SQL Server"#]

    func run(_ scan: ScanContext) async {
        for point in scan.injectionPoints() {
            defer { scan.operationDone() }
            guard let baseline = await point.send(scan, payload: point.value) else { continue }
            if Self.databaseError(in: baseline.response.text) != nil { continue }
            if await errorBased(point, scan) { continue }
            await booleanBased(point, baseline: baseline, scan)
        }
    }

    func errorBased(_ point: InjectionPoint, _ scan: ScanContext) async -> Bool {
        for suffix in ["'", "\"", "')"] {
            guard let exchange = await point.send(scan, payload: point.value + suffix), let error = Self.databaseError(in: exchange.response.text) else { continue }
            scan.report(rule, at: point.endpoint.location(parameter: point.name),
                        "\(point.place.rawValue) parameter \(point.name) of \(point.endpoint.label): adding \(suffix) caused a database error (\(error))", proof: exchange)
            return true
        }
        return false
    }

    func booleanBased(_ point: InjectionPoint, baseline: Exchange, _ scan: ScanContext) async {
        let numeric = Int(point.value) != nil
        let pairs = numeric ? [(" AND 1=1", " AND 1=2")] : [("' AND '1'='1", "' AND '1'='2"), ("%' AND 1=1 AND '%'='", "%' AND 1=2 AND '%'='")]
        for (truthy, falsy) in pairs {
            // Twice each, so that a flaky answer cannot pass for a difference.
            var confirmed = true
            var proof: Exchange?
            for _ in 0..<2 {
                guard let yes = await point.send(scan, payload: point.value + truthy), let no = await point.send(scan, payload: point.value + falsy),
                      Self.same(yes.response, baseline.response), !Self.same(no.response, baseline.response) else { confirmed = false; break }
                proof = no
            }
            guard confirmed, let proof else { continue }
            scan.report(rule, at: point.endpoint.location(parameter: point.name),
                        "\(point.place.rawValue) parameter \(point.name) of \(point.endpoint.label): '\(point.value + truthy)' answers like '\(point.value)', '\(point.value + falsy)' differently (\(proof.response.status))",
                        proof: proof)
            return
        }
    }

    static func same(_ a: ReceivedResponse, _ b: ReceivedResponse) -> Bool {
        a.status == b.status && a.body == b.body
    }

    static func databaseError(in text: String) -> String? {
        for pattern in errors {
            if let range = text.range(of: pattern, options: [.regularExpression, .caseInsensitive]) { return String(text[range].prefix(60)) }
        }
        return nil
    }
}

/// Query operators (`{"$ne": …}`) in place of a password.
struct NoSQLInjection: ScanCheck {
    let rule = RuleMetadata(
        id: "nosql-injection", title: "NoSQL operator injection", severity: .critical, owasp: .api8, cwe: [943],
        description: "A JSON object with a query operator ({\"$ne\": …}) was accepted where a string belongs and changed the query: a login succeeded without the password.",
        remediation: "Validate types before querying (a password must be a string) and never pass request objects into queries.")

    func run(_ scan: ScanContext) async {
        guard let login = scan.loginTemplate else { return }
        guard let refused = await login.attempt(scan, [login.passwordKey: "Rampart-wrong-password-1!"]),
              !refused.response.isSuccess else { return }
        for operatorValue: [String: Any] in [["$ne": "rampart-no-such-password"], ["$gt": ""], ["$regex": ".*"]] {
            guard let exchange = await login.attempt(scan, [login.passwordKey: operatorValue]),
                  exchange.response.isSuccess else { continue }
            var location = login.location
            location.parameter = login.passwordKey
            scan.report(rule, at: location,
                        "login succeeded with \(login.passwordKey) = \(operatorValue.keys.first ?? "") operator (a wrong password answers \(refused.response.status))", proof: exchange)
            return
        }
    }
}

/// `../` sequences reaching /etc/passwd.
struct PathTraversal: ScanCheck {
    let rule = RuleMetadata(
        id: "path-traversal", title: "Path traversal", severity: .high, owasp: .api8, cwe: [22],
        description: "A file name parameter accepted `../` sequences and the API returned a file from outside its folder (/etc/passwd).",
        remediation: "Look files up by id, or resolve the path and check it stays inside the allowed folder; reject separators and `..`.")
    static let words = ["file", "filename", "name", "path", "document", "doc", "template", "page", "folder", "dir", "attachment", "download", "resource"]
    static let payloads = ["../../../../../../../../etc/passwd", "..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd", "....//....//....//....//....//....//etc/passwd", "/etc/passwd"]

    func run(_ scan: ScanContext) async {
        for point in scan.injectionPoints(named: Self.words) {
            defer { scan.operationDone() }
            for payload in Self.payloads {
                guard let exchange = await point.send(scan, payload: payload), exchange.response.text.range(of: #"root:[x*]?:0:0:"#, options: .regularExpression) != nil else { continue }
                scan.report(rule, at: point.endpoint.location(parameter: point.name),
                            "\(point.name)=\(payload) on \(point.endpoint.label) returned /etc/passwd", proof: exchange)
                break
            }
        }
    }
}

/// Shell metacharacters with `sleep`: confirmed when two different delays both show up and a zero delay does not.
struct CommandInjection: ScanCheck {
    let rule = RuleMetadata(
        id: "command-injection", title: "OS command injection", severity: .critical, owasp: .api8, cwe: [78],
        description: "Input reaches a shell: `sleep` appended with shell syntax delayed the answer by exactly the requested time, twice.",
        remediation: "Never pass input to a shell; call programs with an argument list, and validate input against a strict pattern.")
    static let words = ["host", "hostname", "ip", "address", "domain", "cmd", "command", "exec", "target", "server", "ping", "dns"]
    static let separators = [("; sleep ", ""), ("| sleep ", ""), ("$(sleep ", ")"), ("`sleep ", "`"), ("&& sleep ", "")]

    func run(_ scan: ScanContext) async {
        for point in scan.injectionPoints(named: Self.words) {
            defer { scan.operationDone() }
            guard let plain = await point.send(scan, payload: point.value) else { continue }
            let normal = plain.response.elapsed
            for (prefix, suffix) in Self.separators {
                func delay(_ seconds: Int) async -> (Duration, Exchange)? {
                    guard let exchange = await point.send(scan, payload: point.value + prefix + String(seconds) + suffix) else { return nil }
                    return (exchange.response.elapsed, exchange)
                }
                guard let (short, _) = await delay(2), short >= normal + .milliseconds(1800),
                      let (long, proof) = await delay(4), long >= normal + .milliseconds(3800),
                      let (zero, _) = await delay(0), zero < normal + .milliseconds(1500) else { continue }
                scan.report(rule, at: point.endpoint.location(parameter: point.name),
                            "\(point.name) on \(point.endpoint.label): '\(prefix)N\(suffix)' delayed the answer by N seconds (2 s → \(Self.seconds(short)), 4 s → \(Self.seconds(long)), 0 s → \(Self.seconds(zero)))",
                            proof: proof)
                break
            }
        }
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f s", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}
