import RampartCore

struct MissingValidationErrorResponse: AuditRule {
    static let metadata = RuleMetadata(
        id: "missing-validation-error-response", title: "Operation with input documents no 400/422", severity: .low, owasp: .api8, cwe: [20],
        description: "An operation that takes parameters or a body does not document how it rejects invalid input (400 or 422), which suggests it does not validate it.",
        remediation: "Validate input against the schema and document the 400 (or 422) response.")

    func check(_ api: APIDescription, _ hits: inout [RuleHit]) {
        for op in api.operations where op.hasInput && !op.documents("400", "422", "4XX", "DEFAULT") {
            guard op.responses.contains(where: { NoErrorResponses.isError($0.status) }) else { continue }  // no-error-responses covers it
            hits.flag(op.responsesCursor ?? op.cursor, "\(op.label) takes input but documents no 400 or 422")
        }
    }
}
