import RampartCore

struct UnsecuredPersonalData: AuditRule {
    static let metadata = RuleMetadata(
        id: "unsecured-personal-data", title: "Personal data returned without authentication", severity: .high, owasp: .api3, cwe: [359],
        description: "An operation that anyone may call returns properties that hold personal data (email, phone, address, date of birth, national ids).",
        remediation: "Require authentication on the operation, or remove the personal properties from its anonymous response.")

    static let personal: Set<String> = ["email", "emailaddress", "phone", "phonenumber", "mobile", "address", "streetaddress", "homeaddress",
                                        "birthdate", "dateofbirth", "dob", "ssn", "socialsecuritynumber", "passport", "passportnumber",
                                        "nationalid", "taxid", "firstname", "lastname", "fullname"]

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations where !op.isWrite && !op.isAuthenticated {
            let exposed = api.responsePropertyNames(of: op).filter { Self.personal.contains(normalized($0)) }.sorted()
            guard !exposed.isEmpty else { continue }
            hits.flag(op.cursor, "\(op.label) needs no authentication and returns \(exposed.prefix(5).joined(separator: ", "))")
        }
    }
}
