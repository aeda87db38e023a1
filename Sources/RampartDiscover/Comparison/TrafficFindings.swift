import Foundation
import RampartCore

/// Findings from the traffic alone: credentials in URLs, sensitive data, older API versions still called.
public enum TrafficFindings {
    public static func findings(_ discovery: Discovery) -> [Finding] {
        var findings: [Finding] = []
        for operation in discovery.operations {
            let location = Location(method: operation.method, path: operation.template)
            let inURL = operation.sensitive.filter { $0.sighting.place == "request query" && $0.sighting.kind.isCredential }
            for (sighting, count) in inURL {
                findings.append(Finding(rule: DiscoverRules.credentialInURL, location: Location(method: operation.method, path: operation.template, parameter: sighting.name),
                                        message: "\(count) request(s) to \(operation.label) carried \(sighting.kind.withArticle) in the query parameter `\(sighting.name)`",
                                        confidence: .certain))
            }
            let serious = operation.sensitive.filter { [.cardNumber, .iban, .nationalID].contains($0.sighting.kind) || ($0.sighting.kind.isCredential && $0.sighting.place == "response body") }
            if !serious.isEmpty {
                findings.append(Finding(rule: DiscoverRules.sensitiveDataInTraffic, location: location,
                                        message: "\(operation.label) carries " + describe(serious), evidence: Evidence(excerpt: excerpt(serious))))
            }
            let personal = operation.sensitive.filter { [.email, .phone].contains($0.sighting.kind) }
            if !personal.isEmpty {
                findings.append(Finding(rule: DiscoverRules.personalDataInTraffic, location: location,
                                        message: "\(operation.label) carries " + describe(personal), evidence: Evidence(excerpt: excerpt(personal))))
            }
        }
        findings += VersionZombies.findings(discovery.operations.map { ($0.method, $0.template, $0.requests) }, documented: [])
        return findings
    }

    private static func describe(_ sightings: [(sighting: SensitiveSighting, count: Int)]) -> String {
        let kinds = Set(sightings.map(\.sighting.kind)).sorted().map(\.label)
        return kinds.joined(separator: ", ") + " (in " + Set(sightings.map(\.sighting.place)).sorted().joined(separator: ", ") + ")"
    }

    /// Where each kind was seen and how often; never the values.
    private static func excerpt(_ sightings: [(sighting: SensitiveSighting, count: Int)]) -> String {
        sightings.map { "\($0.sighting.kind.label): \($0.sighting.place) \($0.sighting.name) ×\($0.count)" }.joined(separator: "\n")
    }
}

/// Older versions still called: `/v1/orders` in traffic while `/v2/orders` exists (in traffic or in the spec).
enum VersionZombies {
    static func findings(_ observed: [(method: String, template: String, requests: Int)], documented: [String]) -> [Finding] {
        var newest: [String: Int] = [:]
        for template in observed.map(\.template) + documented {
            if let key = versioned(template) { newest[key.shape] = max(newest[key.shape] ?? 0, key.version) }
        }
        return observed.compactMap { operation in
            guard let key = versioned(operation.template), let latest = newest[key.shape], latest > key.version else { return nil }
            return Finding(rule: DiscoverRules.zombieOperation, location: Location(method: operation.method, path: operation.template),
                           message: "\(operation.method) \(operation.template) (version \(key.version)) still answered \(operation.requests) request(s) although version \(latest) exists")
        }
    }

    /// The template with its version segment blanked, and the version's major number.
    private static func versioned(_ template: String) -> (shape: String, version: Int)? {
        var segments = template.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let index = segments.firstIndex(where: { SegmentKind.isVersion(Array($0.utf8)) }),
              let major = Int(segments[index].dropFirst().prefix { $0 != "." }) else { return nil }
        segments[index] = "v*"
        return (segments.joined(separator: "/").replacingOccurrences(of: #"\{[^}]*\}"#, with: "{}", options: .regularExpression), major)
    }
}
