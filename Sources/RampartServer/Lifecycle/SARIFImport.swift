import Foundation
import RampartCore

/// Findings of other tools (OWASP ZAP, Schemathesis, Spectral, Nuclei, Semgrep…) read from SARIF 2.1.0, so they
/// join the same lifecycle as Rampart's own. Each run of the log becomes the observations of `sarif:TOOL`.
public enum SARIFImport {
    public struct Run: Sendable {
        public var tool: String
        public var observations: [Observation]
        /// `invocations[].executionSuccessful` was false: the run is partial and must close nothing.
        public var complete: Bool
    }

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The runs of a SARIF log; a clear error naming the place when it is not one.
    public static func runs(_ data: Data, file: String) throws(Invalid) -> [Run] {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw Invalid(description: "\(file): not a JSON object") }
        guard let version = root["version"] as? String, version.hasPrefix("2.1") else {
            throw Invalid(description: "\(file): not SARIF 2.1 (version \(root["version"].map { "\($0)" } ?? "missing"))")
        }
        guard let runs = root["runs"] as? [[String: Any]] else { throw Invalid(description: "\(file): 'runs' is not a list") }
        return try runs.enumerated().map { (index, run) throws(Invalid) -> Run in
            let driver = (run["tool"] as? [String: Any])?["driver"] as? [String: Any]
            guard let tool = driver?["name"] as? String, !tool.isEmpty else { throw Invalid(description: "\(file): runs[\(index)].tool.driver.name is missing") }
            // Rule metadata by id: titles and, where the tool gives one, `security-severity`.
            var rules: [String: [String: Any]] = [:]
            for rule in driver?["rules"] as? [[String: Any]] ?? [] { if let id = rule["id"] as? String { rules[id] = rule } }
            let results = run["results"] as? [[String: Any]] ?? []
            var observations: [Observation] = []
            for (position, result) in results.enumerated() {
                guard let observation = observation(result, tool: tool, rules: rules) else {
                    throw Invalid(description: "\(file): runs[\(index)].results[\(position)] has no ruleId or message")
                }
                observations.append(observation)
            }
            let failed = (run["invocations"] as? [[String: Any]] ?? []).contains { $0["executionSuccessful"] as? Bool == false }
            return Run(tool: tool, observations: observations, complete: !failed)
        }
    }

    static func observation(_ result: [String: Any], tool: String, rules: [String: [String: Any]]) -> Observation? {
        let ruleId = result["ruleId"] as? String ?? (result["rule"] as? [String: Any])?["id"] as? String
        guard let ruleId, let message = (result["message"] as? [String: Any])?["text"] as? String else { return nil }
        let rule = rules[ruleId]
        let title = ((rule?["shortDescription"] as? [String: Any])?["text"] as? String) ?? (rule?["name"] as? String) ?? ruleId
        let location = place(result)
        // The tool's own fingerprint when it gives one (stable across its runs), else the rule, the place without its
        // line (code above it moves) and the message.
        let given = (result["partialFingerprints"] as? [String: String])?.sorted { $0.key < $1.key }.first?.value
            ?? (result["fingerprints"] as? [String: String])?.sorted { $0.key < $1.key }.first?.value
        let fingerprint = Fingerprint.hash("sarif\u{1E}" + tool + "\u{1E}" + (given ?? [ruleId, place(result, withLine: false), message].joined(separator: "\u{1E}")))
        return Observation(fingerprint: fingerprint, ruleId: ruleId, title: title, severity: severity(result, rule: rule), location: location, message: message)
    }

    /// `security-severity` (as GitHub reads it) when the result or its rule has one, else the SARIF level.
    static func severity(_ result: [String: Any], rule: [String: Any]?) -> Severity {
        let properties = [result["properties"], rule?["properties"]].compactMap { $0 as? [String: Any] }
        if let text = properties.lazy.compactMap({ $0["security-severity"].map { "\($0)" } }).first, let score = Double(text) {
            return score >= 9 ? .critical : score >= 7 ? .high : score >= 4 ? .medium : score > 0 ? .low : .info
        }
        let level = result["level"] as? String ?? ((rule?["defaultConfiguration"] as? [String: Any])?["level"] as? String) ?? "warning"
        return ["error": .high, "warning": .medium, "note": .low][level] ?? .info
    }

    /// The first location as people read it: `file:line`, a logical location (`GET /users/{id}`), or a URL.
    static func place(_ result: [String: Any], withLine: Bool = true) -> String {
        guard let location = (result["locations"] as? [[String: Any]])?.first else { return "-" }
        if let physical = location["physicalLocation"] as? [String: Any], let uri = (physical["artifactLocation"] as? [String: Any])?["uri"] as? String {
            guard withLine, let line = (physical["region"] as? [String: Any])?["startLine"] as? Int else { return uri }
            return "\(uri):\(line)"
        }
        if let logical = (location["logicalLocations"] as? [[String: Any]])?.first {
            return logical["fullyQualifiedName"] as? String ?? logical["name"] as? String ?? "-"
        }
        return "-"
    }
}
