import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

extension LabRoutes {
    // MARK: Products and documents (injections)

    func registerProducts(on router: Router<BasicRequestContext>) {
        router.get("/api/v2/products") { request, _ in
            let search = request.uri.queryParameters.get("search") ?? ""
            do {
                // Flaw (API8, SQL injection, error-based): the search term is pasted into the SQL and the engine's error is shown.
                let rows = try secure
                    ? state.database.query("SELECT id, name, sku, price FROM products WHERE name LIKE ? ORDER BY id", [.text("%\(search)%")])
                    : state.database.query("SELECT id, name, sku, price FROM products WHERE name LIKE '%\(search)%' ORDER BY id")
                return LabJSON.response(.ok, ["items": rows.map { LabJSON.object($0) }])
            } catch {
                return LabJSON.error(.internalServerError, "\(error)")
            }
        }
        router.get("/api/v2/products/:productId") { _, context in
            let id = context.parameters.get("productId")?.removingPercentEncoding ?? ""
            // Flaw (API8, SQL injection, blind): the id is pasted into the SQL; errors are hidden, so only the answer differs.
            if secure, Int64(id) == nil { return LabJSON.error(.badRequest, "productId must be an integer") }
            let rows = try? secure
                ? state.database.query("SELECT id, name, sku, price FROM products WHERE id = ?", [.integer(Int64(id) ?? 0)])
                : state.database.query("SELECT id, name, sku, price FROM products WHERE id = \(id)")
            guard let row = rows?.first else { return LabJSON.error(.notFound, "no such product") }
            return LabJSON.response(.ok, LabJSON.object(row))
        }
        router.get("/api/v2/documents", use: authed { request, _, _ in
            let name = request.uri.queryParameters.get("name") ?? ""
            // Flaw (API8, path traversal): the name is joined to the folder as given.
            if secure, name.contains("/") || name.contains("..") || name.contains("\\") { return LabJSON.error(.badRequest, "invalid document name") }
            guard let data = FileManager.default.contents(atPath: state.documents.path + "/" + name) else { return LabJSON.error(.notFound, "no such document") }
            return LabJSON.text(.ok, String(decoding: data, as: UTF8.self))
        })
    }

    // MARK: Integrations (API7 SSRF, command injection)

    func registerIntegrations(on router: Router<BasicRequestContext>) {
        router.post("/api/v2/webhooks", use: authed { request, _, user in
            let input: [String: Any]
            switch await body(request) { case .json(let value): input = value; case .refused(let response): return response }
            guard let url = input["url"] as? String, let event = input["event"] as? String else { return LabJSON.error(.badRequest, "url and event are required") }
            guard allowedOutbound(url) else { return LabJSON.error(.badRequest, "webhook URLs must be public https addresses") }
            // Flaw (API7, SSRF): the lab sends a test delivery to whatever URL it is given.
            let delivered = await fetch(url, method: .POST, body: #"{"event":"webhook.test"}"#)
            let row = try state.database.query("INSERT INTO webhooks (id, owner_id, url, event) VALUES (?, ?, ?, ?) RETURNING *",
                                               [.text(state.newID()), user["id"] ?? .null, .text(url), .text(event)]).first
            var object = row.map { LabJSON.object($0) } ?? [:]
            object["test_delivery"] = delivered.map { "HTTP \($0)" } ?? "failed"
            return LabJSON.response(.created, object)
        })
        router.post("/api/v2/users/me/avatar", use: authed { request, _, _ in
            let input: [String: Any]
            switch await body(request) { case .json(let value): input = value; case .refused(let response): return response }
            guard let url = input["image_url"] as? String else { return LabJSON.error(.badRequest, "image_url is required") }
            guard allowedOutbound(url) else { return LabJSON.error(.badRequest, "image_url must be a public https address") }
            // Flaw (API7, SSRF): the avatar is downloaded from any URL, internal ones included.
            guard let status = await fetch(url, method: .GET, body: nil) else { return LabJSON.error(.badGateway, "could not download the image") }
            return LabJSON.response(.ok, ["image_url": url, "download_status": Int(status)])
        })
        router.post("/api/v2/tools/ping", use: authed { request, _, _ in
            let input: [String: Any]
            switch await body(request) { case .json(let value): input = value; case .refused(let response): return response }
            guard let host = input["host"] as? String else { return LabJSON.error(.badRequest, "host is required") }
            if secure, host.range(of: #"^[A-Za-z0-9.-]{1,253}$"#, options: .regularExpression) == nil { return LabJSON.error(.badRequest, "invalid host name") }
            // Flaw (API8, OS command injection): the host goes through a shell (the secure lab runs no program at all).
            let started = Date()
            if !secure { _ = await Self.run(["/bin/sh", "-c", "printf '%s' \(host) > /dev/null"]) }
            // "Resolves" means listed in /etc/hosts, so that the lab never waits on DNS.
            let hosts = (try? String(contentsOfFile: "/etc/hosts", encoding: .utf8)) ?? ""
            let status: Int32 = hosts.split(whereSeparator: { $0.isWhitespace }).contains { $0 == host } ? 0 : 1
            return LabJSON.response(.ok, ["host": host, "resolved": status == 0, "took_ms": Int(Date().timeIntervalSince(started) * 1000)])
        })
    }

    /// The secure lab refuses outbound calls to anything but public https hosts.
    func allowedOutbound(_ url: String) -> Bool {
        guard secure else { return true }
        guard let components = URLComponents(string: url), components.scheme == "https", let host = components.host?.lowercased() else { return false }
        let internalPrefixes = ["localhost", "127.", "10.", "192.168.", "169.254.", "0.", "[", "::", "metadata"]
        return !internalPrefixes.contains { host.hasPrefix($0) } && host.range(of: #"^172\.(1[6-9]|2[0-9]|3[01])\."#, options: .regularExpression) == nil
    }

    /// One outbound request with a short timeout; its status, or nil.
    func fetch(_ url: String, method: HTTPMethod, body: String?) async -> UInt? {
        guard var request = try? HTTPClient.Request(url: url, method: method) else { return nil }
        if let body { request.body = .string(body); request.headers.add(name: "Content-Type", value: "application/json") }
        let response = try? await Self.outbound.execute(request: request, deadline: .now() + .seconds(3)).get()
        return response.map { $0.status.code }
    }

    /// The lab's client for webhooks and avatars: a refused connection fails at once instead of being retried until the deadline.
    static let outbound: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(2), read: .seconds(3)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Runs a program and returns its exit status, killing it after ten seconds.
    static func run(_ arguments: [String]) async -> Int32 {
        await withCheckedContinuation { continuation in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: arguments[0])
            process.arguments = Array(arguments.dropFirst())
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(returning: -1); return }
            DispatchQueue.global().asyncAfter(deadline: .now() + 10) { if process.isRunning { process.terminate() } }
        }
    }

    // MARK: Admin (API5)

    func registerAdmin(on router: Router<BasicRequestContext>) {
        router.get("/api/v2/admin/users", use: authed { _, _, user in
            // Flaw (API5, BFLA): the admin list only checks that someone is signed in.
            if secure, user["role"]?.text != "admin" { return LabJSON.error(.forbidden, "admin role required") }
            let rows = try state.database.query("SELECT id, email, name, role FROM users ORDER BY id")
            return LabJSON.response(.ok, ["items": rows.map { LabJSON.object($0) }])
        })
    }

    // MARK: Forgotten endpoints (API9), only in the vulnerable lab

    func registerForgotten(on router: Router<BasicRequestContext>) {
        // Flaw (API9): the retired v1 API still answers, without authentication.
        router.get("/api/v1/accounts/:accountId") { _, context in
            guard let row = try state.database.query("SELECT * FROM accounts WHERE id = ?", [.text(context.parameters.get("accountId")?.removingPercentEncoding ?? "")]).first else {
                return LabJSON.error(.notFound, "no such account")
            }
            return LabJSON.response(.ok, LabJSON.object(row))
        }
        // Flaw (API9): a debug endpoint left in production shows the configuration, secrets included.
        router.get("/debug/config") { _, _ in
            LabJSON.response(.ok, ["environment": "production", "jwt_secret": LabTokens.weakSecret, "database": "sqlite::memory:", "debug": true])
        }
        // Flaw (API9): the deployment's .env file is served.
        router.get("/.env") { _, _ in
            LabJSON.text(.ok, "APP_ENV=production\nJWT_SECRET=\(LabTokens.weakSecret)\nDATABASE_URL=sqlite::memory:\nPARTNER_CLIENT_SECRET=\(LabState.partnerClient.secret)\n")
        }
        // Flaw (API9): the deployment's git metadata is served.
        router.get("/.git/config") { _, _ in
            LabJSON.text(.ok, "[core]\n\trepositoryformatversion = 0\n\tbare = false\n[remote \"origin\"]\n\turl = git@git.bank.lab:platform/bank-api.git\n")
        }
    }
}
