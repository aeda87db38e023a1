/// The OWASP API Security Top 10 (2023) categories.
public enum OWASPCategory: String, Codable, CaseIterable, Sendable {
    case api1 = "API1"
    case api2 = "API2"
    case api3 = "API3"
    case api4 = "API4"
    case api5 = "API5"
    case api6 = "API6"
    case api7 = "API7"
    case api8 = "API8"
    case api9 = "API9"
    case api10 = "API10"

    public var title: String {
        switch self {
        case .api1: "Broken Object Level Authorization"
        case .api2: "Broken Authentication"
        case .api3: "Broken Object Property Level Authorization"
        case .api4: "Unrestricted Resource Consumption"
        case .api5: "Broken Function Level Authorization"
        case .api6: "Unrestricted Access to Sensitive Business Flows"
        case .api7: "Server Side Request Forgery"
        case .api8: "Security Misconfiguration"
        case .api9: "Improper Inventory Management"
        case .api10: "Unsafe Consumption of APIs"
        }
    }

    /// `API1:2023 Broken Object Level Authorization`
    public var label: String { "\(rawValue):2023 \(title)" }

    public var reference: String {
        let slugs: [OWASPCategory: String] = [
            .api1: "0xa1-broken-object-level-authorization",
            .api2: "0xa2-broken-authentication",
            .api3: "0xa3-broken-object-property-level-authorization",
            .api4: "0xa4-unrestricted-resource-consumption",
            .api5: "0xa5-broken-function-level-authorization",
            .api6: "0xa6-unrestricted-access-to-sensitive-business-flows",
            .api7: "0xa7-server-side-request-forgery",
            .api8: "0xa8-security-misconfiguration",
            .api9: "0xa9-improper-inventory-management",
            .api10: "0xaa-unsafe-consumption-of-apis",
        ]
        return "https://owasp.org/API-Security/editions/2023/en/\(slugs[self]!)/"
    }
}
