import RampartCore

struct AdminSecurityShared: AuditRule {
    static let metadata = RuleMetadata(
        id: "admin-security-shared", title: "Admin operations use the same authentication as everyone", severity: .medium, owasp: .api5, cwe: [285],
        description: "Operations under an admin, internal or management path accept the same security scheme, with no scope, as ordinary operations. Any user's token then reaches the admin functions unless every handler checks the role itself.",
        remediation: "Protect admin operations with a separate scheme, or require an admin scope or role on them and enforce it at the gateway.")

    static func isAdmin(_ path: String) -> Bool {
        path.lowercased().split(separator: "/").contains { ["admin", "admins", "internal", "management", "manage", "superuser"].contains($0) }
    }

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        /// Schemes an operation accepts without any scope.
        func unscoped(_ op: APIDescription.Operation) -> Set<String> {
            Set(op.security?.alternatives.flatMap { $0.filter(\.scopes.isEmpty).map(\.scheme) } ?? [])
        }
        let ordinary = api.operations.filter { !Self.isAdmin($0.path) && $0.isAuthenticated }.reduce(into: Set<String>()) { $0.formUnion(unscoped($1)) }
        for op in api.operations where Self.isAdmin(op.path) && op.isAuthenticated {
            let shared = unscoped(op).intersection(ordinary)
            guard !shared.isEmpty else { continue }
            hits.flag(op.ownSecurity?.cursor ?? op.cursor, "\(op.label) accepts \(shared.sorted().joined(separator: ", ")) like non-admin operations, with no scope", confidence: .tentative)
        }
    }
}
