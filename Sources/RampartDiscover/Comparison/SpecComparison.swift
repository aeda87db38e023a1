import RampartCore
import RampartSpec

/// Traffic against the API description: shadow, zombie and orphan operations, undocumented parameters and
/// statuses, and secured operations seen answering calls without credentials.
public enum SpecComparison {
    public static func findings(_ discovery: Discovery, spec api: APIDescription) -> [Finding] {
        let basePaths = Set(api.servers.map { basePath(of: $0.url) }).union([""]).sorted { $0.count > $1.count }
        var matched = Set<Int>()
        var findings: [Finding] = []
        var unmatched: [DiscoveredOperation] = []
        for operation in discovery.operations {
            guard let index = match(operation, in: api.operations, basePaths: basePaths) else {
                unmatched.append(operation)
                continue
            }
            matched.insert(index)
            findings += compare(operation, with: api.operations[index], api: api)
        }
        // A call to an older version of a documented API is a zombie, not a shadow.
        let documented = api.operations.map(\.path).flatMap { path in basePaths.map { $0 + path } }
        let zombies = VersionZombies.findings(unmatched.map { ($0.method, $0.template, $0.requests) }, documented: documented)
        findings += zombies
        let zombieKeys = Set(zombies.map { "\($0.location.method ?? "") \($0.location.path ?? "")" })
        for operation in unmatched where !zombieKeys.contains(operation.label) {
            let methods = api.operations.filter { pathMatches(operation.template, $0.path, basePaths: basePaths) }.map(\.method)
            let detail = methods.isEmpty ? "no such path is documented" : "the path is documented for \(methods.joined(separator: ", ")) only"
            findings.append(Finding(rule: DiscoverRules.shadowOperation, location: Location(method: operation.method, path: operation.template),
                                    message: "\(operation.label) answered \(operation.requests) request(s) (\(statusSummary(operation))) but \(detail)",
                                    confidence: operation.statuses.keys.contains { $0 < 400 } ? .certain : .tentative))
        }
        for (index, operation) in api.operations.enumerated() where !matched.contains(index) {
            findings.append(Finding(rule: DiscoverRules.orphanOperation, location: location(of: operation.cursor, operation),
                                    message: "\(operation.label) is documented but no request in the traffic reached it"))
        }
        return findings
    }

    private static func compare(_ observed: DiscoveredOperation, with operation: APIDescription.Operation, api: APIDescription) -> [Finding] {
        var findings: [Finding] = []
        let here = Location(method: observed.method, path: observed.template)
        if operation.deprecated {
            findings.append(Finding(rule: DiscoverRules.zombieOperation, location: here,
                                    message: "\(operation.label) is deprecated in the spec but still answered \(observed.requests) request(s) from \(observed.clients) client(s)"))
        }
        // Query parameters and headers the operation does not declare (API keys of its security schemes are declared there).
        let schemeParameters = Set(api.securitySchemes.filter { $0.type == "apiKey" }.map { $0.cursor.node["name"]?.scalarText?.lowercased() ?? "" })
        let declared = Set(operation.parameters.map { "\($0.location):\($0.name.lowercased())" })
        for (name, count) in observed.queryParameters where !declared.contains("query:\(name.lowercased())") && !schemeParameters.contains(name.lowercased()) {
            findings.append(Finding(rule: DiscoverRules.undocumentedParameter, location: Location(method: observed.method, path: observed.template, parameter: "query \(name)"),
                                    message: "\(count) request(s) to \(operation.label) sent the query parameter `\(name)`, which the spec does not declare"))
        }
        for (name, count) in observed.headerParameters where !declared.contains("header:\(name)") && !schemeParameters.contains(name) {
            findings.append(Finding(rule: DiscoverRules.undocumentedParameter, location: Location(method: observed.method, path: observed.template, parameter: "header \(name)"),
                                    message: "\(count) request(s) to \(operation.label) sent the header `\(name)`, which the spec does not declare", confidence: .tentative))
        }
        let documented = Set(operation.statuses.map { $0.uppercased() })
        if !documented.contains("DEFAULT") {
            for (status, count) in observed.statuses.sorted(by: { $0.key < $1.key })
            where !documented.contains(String(status)) && !documented.contains("\(status / 100)XX") {
                findings.append(Finding(rule: DiscoverRules.undocumentedStatus, location: Location(method: observed.method, path: observed.template, parameter: "status \(status)"),
                                        message: "\(operation.label) answered \(status) \(count) time(s); the spec documents \(operation.statuses.joined(separator: ", "))"))
            }
        }
        if operation.isAuthenticated && observed.unauthenticatedSuccesses > 0 {
            findings.append(Finding(rule: DiscoverRules.unauthenticatedAccess, location: here,
                                    message: "\(operation.label) requires authentication in the spec, but answered \(observed.unauthenticatedSuccesses) request(s) without any credentials with 2xx",
                                    confidence: .certain))
        }
        return findings
    }

    private static func location(of cursor: Cursor, _ operation: APIDescription.Operation) -> Location {
        Location(pointer: cursor.pointer, position: SourcePosition(file: cursor.file, line: Int(cursor.node.line), column: Int(cursor.node.column)),
                 method: operation.method, path: operation.path)
    }

    private static func statusSummary(_ operation: DiscoveredOperation) -> String {
        operation.statuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", ")
    }

    /// The index of the spec operation an observed one is, if any.
    static func match(_ observed: DiscoveredOperation, in operations: [APIDescription.Operation], basePaths: [String]) -> Int? {
        operations.firstIndex { $0.method == observed.method && pathMatches(observed.template, $0.path, basePaths: basePaths) }
    }

    /// Whether an observed template is the spec's path under one of its servers' base paths. A spec parameter
    /// matches any observed segment; an observed parameter only a spec parameter.
    static func pathMatches(_ observed: String, _ documented: String, basePaths: [String]) -> Bool {
        let seen = segments(observed)
        for base in basePaths {
            let spec = segments(base) + segments(documented)
            guard spec.count == seen.count else { continue }
            let same = zip(seen, spec).allSatisfy { seenSegment, specSegment in
                if specSegment.contains("{") { return true }
                if seenSegment.hasPrefix("{") { return false }
                return seenSegment == specSegment
            }
            if same { return true }
        }
        return false
    }

    private static func segments(_ path: String) -> [Substring] { path.split(separator: "/", omittingEmptySubsequences: true) }

    /// `https://api.example.com/v1` → `/v1`; `/api` → `/api`.
    static func basePath(of server: String) -> String {
        var rest = Substring(server)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...].drop { $0 != "/" } }
        let path = rest.prefix { $0 != "?" && $0 != "#" }
        return path.hasSuffix("/") ? String(path.dropLast()) : String(path)
    }
}
