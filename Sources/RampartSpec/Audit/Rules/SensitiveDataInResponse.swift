import RampartCore

struct SensitiveDataInResponse: AuditRule {
    static let metadata = RuleMetadata(
        id: "sensitive-data-in-response", title: "Response exposes a sensitive property", severity: .high, owasp: .api3, cwe: [213],
        description: "A response schema contains a property that holds a password, secret, private key, card number, CVV or national id. Such values should never leave the server once stored.",
        remediation: "Remove the property from response schemas (keep it `writeOnly` in requests), or return a masked form (last four digits).")

    static let names: Set<String> = ["password", "passwd", "passwordhash", "hashedpassword", "secret", "clientsecret", "secretkey", "privatekey",
                                     "ssn", "socialsecuritynumber", "cardnumber", "creditcardnumber", "pan", "cvv", "cvc", "cvv2", "pin", "pincode", "securitycode"]

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for schema in api.outputSchemas {
            for (name, property) in schema["properties"]?.entries ?? [] where Self.names.contains(normalized(name)) {
                guard property.node["writeOnly"]?.bool != true else { continue }
                hits.flag(property, "response property '\(name)' holds sensitive data")
            }
        }
    }
}
