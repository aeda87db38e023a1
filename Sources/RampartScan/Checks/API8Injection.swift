import Foundation
import RampartCore
import RampartHTTP

/// SQL injection, confirmed by a database error that the plain value does not cause, or by a true/false difference.
struct SQLInjection: ScanCheck {
    let rule = RuleMetadata(
        id: "sql-injection", title: "SQL injection", severity: .critical, owasp: .api8, cwe: [89],
        description: "Input reaches an SQL statement unescaped: a quote caused a database error, or SQL true/false conditions changed the answer.",
        remediation: "Use parameterized queries (bound parameters) everywhere; never build SQL from strings.")
    static let errors = [#"SQLITE_ERROR|sqlite3?\.|unrecognized token|near (?:"|&#34;|&quot;).{0,60}(?:"|&#34;|&quot;): syntax error|OperationalError"#,
                         #"SQL syntax.*MySQL|You have an error in your SQL syntax|mysql_fetch|MariaDB"#,
                         #"PG::|psycopg2?\.|syntax error at or near|unterminated quoted string"#,
                         #"ORA-\d{5}|quoted string not properly terminated"#, #"SQLSTATE\[|Unclosed quotation mark|ODBC SQL Server|Microsoft OLE DB|SQLException"#]

    func run(_ scan: ScanContext) async {
        // Logins' user names first: an error probe on a password field can leave a database broken for a while.
        let points = scan.injectionPoints()
        for point in points.filter(Self.isLoginUser) + points.filter({ !Self.isLoginUser($0) }) {
            defer { scan.operationDone() }
            guard let baseline = await point.send(scan, payload: point.value) else { continue }
            if Self.databaseError(in: baseline.response.text) != nil { continue }
            if await loginBypass(point, baseline: baseline, scan) { continue }
            if await errorBased(point, scan) { continue }
            await booleanBased(point, baseline: baseline, scan)
        }
    }

    /// A login's user name closed and commented out (`x'--`): the rest of the query, the password test, is gone. A
    /// bypass answers unlike the failed login, twice alike, with a session cookie or a redirect the failure lacks.
    func loginBypass(_ point: InjectionPoint, baseline: Exchange, _ scan: ScanContext) async -> Bool {
        guard Self.isLoginUser(point), let password = point.body?.keys.first(where: { $0.lowercased().contains("pass") }),
              !baseline.response.isRedirect, !baseline.response.setsCookie else { return false }
        for payload in [point.value + "'--", point.value + "' OR '1'='1'--", "' OR 1=1--"] {
            guard let first = await point.send(scan, payload: payload), first.response.isRedirect || first.response.setsCookie,
                  let again = await point.send(scan, payload: payload), again.response.status == first.response.status else { continue }
            scan.report(rule, at: point.location(scan),
                        "\(point.name) of \(point.label): '\(payload)' with a wrong \(password) answered \(first.response.status)\(first.response.setsCookie ? " with a session cookie" : "") where the plain value is refused (\(baseline.response.status))",
                        proof: first)
            return true
        }
        return false
    }

    func errorBased(_ point: InjectionPoint, _ scan: ScanContext) async -> Bool {
        for suffix in ["'", "\"", "')"] {
            guard let exchange = await point.send(scan, payload: point.value + suffix), let error = Self.databaseError(in: exchange.response.text) else { continue }
            scan.report(rule, at: point.location(scan),
                        "\(point.place.rawValue) parameter \(point.name) of \(point.label): adding \(suffix) caused a database error (\(error))", proof: exchange)
            return true
        }
        return false
    }

    /// A body field next to a password field: the user name of a login.
    static func isLoginUser(_ point: InjectionPoint) -> Bool {
        guard point.place == .body, let body = point.body, !point.name.lowercased().contains("pass") else { return false }
        return body.keys.contains { $0.lowercased().contains("pass") }
    }

    /// True and false conditions appended: each answers the same twice, true and false answer differently, and the
    /// true one is the nearer to the plain value's answer. The payload is taken out of each answer first, so that an
    /// API echoing its input does not pass for one that evaluates it.
    func booleanBased(_ point: InjectionPoint, baseline: Exchange, _ scan: ScanContext) async {
        let numeric = Int(point.value) != nil
        let pairs = numeric ? [(" AND 1=1", " AND 1=2")] : [("' AND '1'='1", "' AND '1'='2"), ("%' AND 1=1 AND '%'='", "%' AND 1=2 AND '%'='")]
        for (truthy, falsy) in pairs {
            var answers: [(yes: Exchange, no: Exchange)] = []
            for _ in 0..<2 {
                guard let yes = await point.send(scan, payload: point.value + truthy), let no = await point.send(scan, payload: point.value + falsy) else { break }
                answers.append((yes, no))
            }
            guard answers.count == 2 else { continue }
            let yes = answers.map { Self.page($0.yes.response, without: truthy) }, no = answers.map { Self.page($0.no.response, without: falsy) }
            let plain = Self.page(baseline.response, without: nil)
            guard yes[0] == yes[1], no[0] == no[1], yes[0] != no[0], answers[0].yes.response.status == baseline.response.status,
                  ResponseShape.similarity(yes[0].body, plain.body) > ResponseShape.similarity(no[0].body, plain.body) else { continue }
            let proof = answers[1].no
            scan.report(rule, at: point.location(scan),
                        "\(point.place.rawValue) parameter \(point.name) of \(point.label): '\(point.value + truthy)' answers like '\(point.value)', '\(point.value + falsy)' differently (\(proof.response.status))",
                        proof: proof)
            return
        }
    }

    /// The status and the body with the payload (raw, HTML- or URL-encoded) taken out.
    static func page(_ response: ReceivedResponse, without payload: String?) -> (status: Int, body: String) {
        var body = response.text
        if let payload {
            let forms = [payload, payload.replacingOccurrences(of: "'", with: "&#39;"), payload.replacingOccurrences(of: "'", with: "&#x27;"),
                         payload.replacingOccurrences(of: "'", with: "&#39;").replacingOccurrences(of: "=", with: "&#61;"),
                         payload.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? payload]
            for form in forms { body = body.replacingOccurrences(of: form, with: "") }
        }
        return (response.status, body)
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
        // Operators are JSON objects; a form login has none to take.
        guard let login = scan.loginTemplate, !login.form else { return }
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
        description: "A file name parameter accepted `../` sequences: the API returned /etc/passwd, or the same file named through `../folder/` (and not through a made-up folder).",
        remediation: "Look files up by id, or resolve the path and check it stays inside the allowed folder; reject separators and `..`.")
    static let payloads = ["../../../../../../../../etc/passwd", "..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd", "....//....//....//....//....//....//etc/passwd", "/etc/passwd"]

    func run(_ scan: ScanContext) async {
        points: for point in scan.injectionPoints() {
            defer { scan.operationDone() }
            for payload in Self.payloads {
                guard let exchange = await point.send(scan, payload: payload), Self.showsPasswd(exchange.response.text) else { continue }
                scan.report(rule, at: point.location(scan),
                            "\(point.name)=\(payload) on \(point.label) returned /etc/passwd", proof: exchange)
                continue points
            }
            await equivalentPath(point, scan)
        }
    }

    /// Servers that refuse to leave their own tree still resolve `../`: a file name given as `../folder/name`, the
    /// folder taken from the URL (`/static/img?image=key.svg` → `../img/key.svg`), returns the very same file, and a
    /// made-up folder does not. Then every file of the application's tree can be named, sources and databases included.
    func equivalentPath(_ point: InjectionPoint, _ scan: ScanContext) async {
        let value = point.value
        guard value.contains("."), !value.contains(" "), !value.hasPrefix("/"), !value.contains(".."), value.count < 200,
              let plain = await point.send(scan, payload: value), plain.response.isSuccess, !plain.response.body.isEmpty else { return }
        let folders = point.path.split(separator: "/").reversed().filter { !$0.hasPrefix("{") }.prefix(2)
        for folder in folders {
            let payload = "../\(folder)/\(value)"
            guard let same = await point.send(scan, payload: payload), same.response.status == plain.response.status, same.response.body == plain.response.body,
                  let control = await point.send(scan, payload: "../rampart-\(UUID().uuidString.prefix(8))/\(value)"),
                  control.response.body != plain.response.body else { continue }
            scan.report(rule, at: point.location(scan),
                        "\(point.name)=\(payload) on \(point.label) returned the same file as \(point.name)=\(value) (a made-up folder does not): `../` is resolved",
                        proof: same, confidence: .firm)
            return
        }
    }

    /// The root line of /etc/passwd.
    static func showsPasswd(_ text: String) -> Bool {
        text.range(of: #"root:[x*]?:0:0:"#, options: .regularExpression) != nil
    }
}

/// Shell metacharacters with `sleep`: confirmed when two different delays both show up and a zero delay does not.
struct CommandInjection: ScanCheck {
    let rule = RuleMetadata(
        id: "command-injection", title: "OS command injection", severity: .critical, owasp: .api8, cwe: [78],
        description: "Input reaches a shell: `sleep` appended with shell syntax delayed the answer by exactly the requested time, twice.",
        remediation: "Never pass input to a shell; call programs with an argument list, and validate input against a strict pattern.")
    static let separators = [("; sleep ", ""), ("| sleep ", ""), ("$(sleep ", ")"), ("`sleep ", "`"), ("&& sleep ", "")]

    func run(_ scan: ScanContext) async {
        for point in scan.injectionPoints() {
            defer { scan.operationDone() }
            guard let plain = await point.send(scan, payload: point.value) else { continue }
            var normal = plain.response.elapsed
            // A slow first answer (a loaded server) would hide the delay: the quicker of two is the baseline.
            if normal > .milliseconds(300), let again = await point.send(scan, payload: point.value) { normal = min(normal, again.response.elapsed) }
            for (prefix, suffix) in Self.separators {
                func delay(_ seconds: Int) async -> (Duration, Exchange)? {
                    guard let exchange = await point.send(scan, payload: point.value + prefix + String(seconds) + suffix) else { return nil }
                    return (exchange.response.elapsed, exchange)
                }
                guard let (short, _) = await delay(2), short >= normal + .milliseconds(1800),
                      let (long, proof) = await delay(4), long >= normal + .milliseconds(3800),
                      let (zero, _) = await delay(0), zero < normal + .milliseconds(1500) else { continue }
                scan.report(rule, at: point.location(scan),
                            "\(point.name) on \(point.label): '\(prefix)N\(suffix)' delayed the answer by N seconds (2 s → \(Self.seconds(short)), 4 s → \(Self.seconds(long)), 0 s → \(Self.seconds(zero)))",
                            proof: proof)
                break
            }
        }
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f s", duration.inSeconds)
    }
}
