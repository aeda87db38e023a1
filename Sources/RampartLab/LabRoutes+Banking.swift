import Foundation
import Hummingbird

extension LabRoutes {
    // MARK: Accounts (API1, API3, API4, API5)

    func registerAccounts(on router: Router<BasicRequestContext>) {
        router.get("/api/v2/accounts", use: authed { _, _, user in
            let rows = try state.database.query("SELECT * FROM accounts WHERE owner_id = ? ORDER BY rowid", [user["id"] ?? .null])
            return LabJSON.response(.ok, ["items": rows.map { LabJSON.object($0) }])
        })
        router.post("/api/v2/accounts", use: authed { request, _, user in
            let input: [String: Any]
            switch await body(request) { case .json(let value): input = value; case .refused(let response): return response }
            guard let nickname = input["nickname"] as? String, !nickname.isEmpty else { return LabJSON.error(.badRequest, "nickname is required") }
            if secure, nickname.count > 64 { return LabJSON.error(.badRequest, "nickname is longer than 64 characters") }
            // Flaw (API3, mass assignment): an opening balance is taken from the request.
            let balance = secure ? 0 : ((input["balance"] as? NSNumber)?.doubleValue ?? 0)
            let row = try state.database.query("INSERT INTO accounts (id, owner_id, nickname, balance, currency) VALUES (?, ?, ?, ?, 'EUR') RETURNING *",
                                               [.text(state.newID()), user["id"] ?? .null, .text(nickname), .real(balance)]).first
            return LabJSON.response(.created, row.map { LabJSON.object($0) } ?? [:])
        })
        router.get("/api/v2/accounts/:accountId", use: authed { _, context, user in
            guard let account = ownedAccount(context.parameters.get("accountId")?.removingPercentEncoding, by: user) else { return LabJSON.error(.notFound, "no such account") }
            return LabJSON.response(.ok, LabJSON.object(account))
        })
        // Not in the spec: closing an account is meant for the bank's staff.
        router.delete("/api/v2/accounts/:accountId", use: authed { _, context, user in
            // Flaw (API5): any customer may close accounts through this undocumented method.
            guard !secure else { return LabJSON.error(.methodNotAllowed, "method not allowed") }
            guard let id = context.parameters.get("accountId")?.removingPercentEncoding, try !state.database.query("DELETE FROM accounts WHERE id = ? RETURNING id", [.text(id)]).isEmpty else {
                return LabJSON.error(.notFound, "no such account")
            }
            return Response(status: .noContent)
        })
        // Flaw (API2): the statement is served without any credentials (the spec says bearer auth).
        router.get("/api/v2/accounts/:accountId/statement") { request, context in
            let user = user(request)
            if secure && user == nil { return LabJSON.error(.unauthorized, "authentication required") }
            let id = context.parameters.get("accountId")?.removingPercentEncoding
            let account = secure ? ownedAccount(id, by: user!) : try state.database.query("SELECT * FROM accounts WHERE id = ?", [.text(id ?? "")]).first
            guard let account else { return LabJSON.error(.notFound, "no such account") }
            return LabJSON.response(.ok, ["account": account["id"]?.json ?? "", "owner_id": account["owner_id"]?.json ?? 0,
                                          "closing_balance": account["balance"]?.json ?? 0, "currency": "EUR"])
        }
    }

    /// The account with this id, if the user may see it. Flaw (API1, BOLA): the vulnerable lab never checks the owner.
    func ownedAccount(_ id: String?, by user: Row) -> Row? {
        guard let id else { return nil }
        let rows = try? secure
            ? state.database.query("SELECT * FROM accounts WHERE id = ? AND owner_id = ?", [.text(id), user["id"] ?? .null])
            : state.database.query("SELECT * FROM accounts WHERE id = ?", [.text(id)])
        return rows?.first
    }

    // MARK: Orders and transfers (API1, API4, API6)

    func registerOrders(on router: Router<BasicRequestContext>) {
        router.get("/api/v2/orders", use: authed { request, _, user in
            let limit = request.uri.queryParameters.get("limit").flatMap(Int.init) ?? 20
            // Flaw (API4): the page size is not capped.
            if secure, !(1...100).contains(limit) { return LabJSON.error(.badRequest, "limit must be between 1 and 100") }
            let rows = try state.database.query("SELECT * FROM orders WHERE owner_id = ? ORDER BY rowid LIMIT ?", [user["id"] ?? .null, .integer(Int64(limit))])
            return LabJSON.response(.ok, ["items": rows.map { LabJSON.object($0) }, "limit": limit])
        })
        router.post("/api/v2/orders", use: authed { request, _, user in
            let input: [String: Any]
            switch await body(request) { case .json(let value): input = value; case .refused(let response): return response }
            guard let product = (input["product_id"] as? NSNumber)?.int64Value, let quantity = (input["quantity"] as? NSNumber)?.int64Value, quantity > 0 else {
                return LabJSON.error(.badRequest, "product_id and a positive quantity are required")
            }
            let note = input["note"] as? String ?? ""
            if secure, note.count > 256 { return LabJSON.error(.badRequest, "note is longer than 256 characters") }
            let row = try state.database.query("INSERT INTO orders (id, owner_id, product_id, quantity, note) VALUES (?, ?, ?, ?, ?) RETURNING *",
                                               [.text(state.newID()), user["id"] ?? .null, .integer(product), .integer(quantity), .text(note)]).first
            return LabJSON.response(.created, row.map { LabJSON.object($0) } ?? [:])
        })
        router.get("/api/v2/orders/:orderId", use: authed { _, context, user in
            guard let order = ownedOrder(context.parameters.get("orderId")?.removingPercentEncoding, by: user) else { return LabJSON.error(.notFound, "no such order") }
            return LabJSON.response(.ok, LabJSON.object(order))
        })
        router.patch("/api/v2/orders/:orderId", use: authed { request, context, user in
            // Flaw (API1, BOLA): anyone's order can be changed.
            guard let order = ownedOrder(context.parameters.get("orderId")?.removingPercentEncoding, by: user), let id = order["id"] else { return LabJSON.error(.notFound, "no such order") }
            let input: [String: Any]
            switch await body(request) { case .json(let value): input = value; case .refused(let response): return response }
            let quantity = (input["quantity"] as? NSNumber)?.int64Value ?? order["quantity"]?.integer ?? 1
            let note = input["note"] as? String ?? order["note"]?.text ?? ""
            let row = try state.database.query("UPDATE orders SET quantity = ?, note = ? WHERE id = ? RETURNING *", [.integer(quantity), .text(note), id]).first
            return LabJSON.response(.ok, row.map { LabJSON.object($0) } ?? [:])
        })
        router.post("/api/v2/transfers", use: authed { request, _, user in
            // Flaw (API6): transfers can be scripted without limit; the secure lab allows three a minute.
            if secure, !state.allow("transfer:\(user["id"]?.text ?? "")", limit: 3, per: 60).allowed {
                return LabJSON.error(.tooManyRequests, "transfer limit reached; try again later")
            }
            let input: [String: Any]
            switch await body(request) { case .json(let value): input = value; case .refused(let response): return response }
            guard let from = input["from_account"] as? String, let to = input["to_account"] as? String,
                  let amount = (input["amount"] as? NSNumber)?.doubleValue, amount > 0, amount <= 10_000 else {
                return LabJSON.error(.badRequest, "from_account, to_account and an amount up to 10000 are required")
            }
            guard ownedAccount(from, by: user)?["owner_id"] == user["id"] else { return LabJSON.error(.notFound, "no such source account") }
            let row = try state.database.query("INSERT INTO transfers (id, owner_id, from_account, to_account, amount) VALUES (?, ?, ?, ?, ?) RETURNING *",
                                               [.text(state.newID()), user["id"] ?? .null, .text(from), .text(to), .real(amount)]).first
            return LabJSON.response(.created, row.map { LabJSON.object($0) } ?? [:])
        })
    }

    func ownedOrder(_ id: String?, by user: Row) -> Row? {
        guard let id else { return nil }
        let rows = try? secure
            ? state.database.query("SELECT * FROM orders WHERE id = ? AND owner_id = ?", [.text(id), user["id"] ?? .null])
            : state.database.query("SELECT * FROM orders WHERE id = ?", [.text(id)])
        return rows?.first
    }
}
