import RampartCore

/// The findings `rampart discover` reports, in the shared vocabulary.
public enum DiscoverRules {
    public static let shadowOperation = RuleMetadata(
        id: "shadow-operation", title: "Operation served but not in the spec", severity: .medium, owasp: .api9, cwe: [1059],
        description: "Traffic shows an operation that the API description does not mention. Undocumented operations escape review, testing, gateway policies and retirement.",
        remediation: "Document the operation (and review its security), or remove it from the API if it should not exist.")
    public static let zombieOperation = RuleMetadata(
        id: "zombie-operation", title: "Deprecated or superseded operation still called", severity: .medium, owasp: .api9, cwe: [477],
        description: "Traffic reaches an operation the spec marks deprecated, or an older version of an API whose newer version exists. Old versions miss later security fixes and are rarely watched.",
        remediation: "Find the clients still calling it (the inventory lists them), move them to the current version, then switch the old one off.")
    public static let orphanOperation = RuleMetadata(
        id: "orphan-operation", title: "Documented operation never seen in traffic", severity: .info, owasp: .api9, cwe: [1059],
        description: "The spec documents an operation that no request in the inputs reached. It may be unused, or the spec may describe an API that is no longer what runs.",
        remediation: "Check whether the operation is still needed; remove it from the API and the spec if not.")
    public static let undocumentedParameter = RuleMetadata(
        id: "undocumented-parameter", title: "Parameter sent but not documented", severity: .low, owasp: .api9, cwe: [1059],
        description: "Clients send a query parameter or header the spec does not declare for this operation. Undeclared inputs are not validated by spec-driven gateways and often reveal hidden features.",
        remediation: "Declare the parameter with its schema, or make the API reject it.")
    public static let undocumentedStatus = RuleMetadata(
        id: "undocumented-status", title: "Status code answered but not documented", severity: .low, owasp: .api9, cwe: [1059],
        description: "The API answered with a status code the spec does not list for this operation, so clients and tests do not expect it.",
        remediation: "Document the response, or fix the API so that it no longer answers with it.")
    public static let unauthenticatedAccess = RuleMetadata(
        id: "unauthenticated-access", title: "Secured operation answered a call without credentials", severity: .high, owasp: .api2, cwe: [306],
        description: "The spec says this operation requires authentication, yet traffic shows it answering 2xx to requests that carried no credentials at all.",
        remediation: "Enforce authentication on the operation (in the API or at the gateway) and check who has used it without credentials.")
    public static let credentialInURL = RuleMetadata(
        id: "credential-in-url", title: "Credentials sent in the URL", severity: .high, owasp: .api2, cwe: [598],
        description: "Passwords, API keys or tokens travel in the query string, where proxies, servers and browsers log and cache them.",
        remediation: "Send credentials in a header (Authorization) or the body, rotate the exposed ones, and refuse them in the URL.")
    public static let sensitiveDataInTraffic = RuleMetadata(
        id: "sensitive-data-in-traffic", title: "Sensitive data flows through the operation", severity: .medium, owasp: .api3, cwe: [359],
        description: "Payment card numbers, IBANs, national ids or credentials appear in requests or responses of this operation. It needs the strictest authorization and must not return more of them than its clients need.",
        remediation: "Return only what clients need (mask card numbers and ids), restrict who may call the operation, and keep such values out of logs.")
    public static let personalDataInTraffic = RuleMetadata(
        id: "personal-data-in-traffic", title: "Personal data flows through the operation", severity: .info, owasp: .api3, cwe: [359],
        description: "E-mail addresses or phone numbers appear in requests or responses of this operation: it is in scope for privacy reviews.",
        remediation: "Check that each property is needed by its clients and that only the owner (or an authorised role) can read it.")

    public static let all = [shadowOperation, zombieOperation, orphanOperation, undocumentedParameter, undocumentedStatus, unauthenticatedAccess,
                             credentialInURL, sensitiveDataInTraffic, personalDataInTraffic]
}
