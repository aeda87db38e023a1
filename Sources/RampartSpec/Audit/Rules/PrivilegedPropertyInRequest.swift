import RampartCore

struct PrivilegedPropertyInRequest: AuditRule {
    static let metadata = RuleMetadata(
        id: "privileged-property-in-request", title: "Request lets clients set a privileged property", severity: .high, owasp: .api3, cwe: [915],
        description: "A request body accepts a property that only the server should set: a role, an admin flag, permissions, a balance, an owner or tenant id, a verification status. If the handler binds the body to its model, any client can make itself an administrator or move money (mass assignment).",
        remediation: "Remove the property from request schemas (mark it `readOnly: true` where the same schema serves responses) and set it server-side from the authenticated identity.")

    /// Normalised names of properties that grant privilege or identity. Money fields (balance, discount, plan)
    /// are left out: in server-to-server APIs the caller legitimately sets them.
    static let privileged: Set<String> = [
        "isadmin", "admin", "isstaff", "issuperuser", "superuser", "role", "roles", "permissions", "privileges",
        "isverified", "verified", "emailverified", "approved", "isapproved", "ownerid", "tenantid", "accounttype", "usertype",
    ]

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        // Request bodies only: a `role` query filter is not an assignment.
        for schema in api.requestBodySchemas where !schema.isReadOnly {
            // `role` beside `content` is a chat message (user/assistant), not an authorization role.
            let isChatMessage = schema.node["properties"]?["content"] != nil
            for (name, property) in schema["properties"]?.entries ?? [] where Self.privileged.contains(normalized(name)) {
                guard !(isChatMessage && normalized(name) == "role"), property.node["readOnly"]?.bool != true,
                      api.document.resolve(property)?.isReadOnly != true else { continue }
                hits.flag(property, "request property '\(name)' of \(api.label(of: schema)) can be set by the caller: make sure only authorized callers can",
                          confidence: .tentative)
            }
        }
    }
}
