import Foundation
import RampartCore
import X509

/// Rates hosts: TLS (SSL Labs-style), headers (Observatory model), and API-specific checks.
public struct HostRater: Sendable {
    public var client: RateClient
    public var roots: CertificateStore
    /// Where plain HTTP is tried for the redirect test: 80 for default-port URLs, or this port.
    public var httpPort: Int?
    /// The most one host may take; checks not started by then are skipped and the rating says so.
    public var hostBudget: Duration

    public init(client: RateClient, roots: CertificateStore, httpPort: Int? = nil, hostBudget: Duration = .seconds(60)) {
        self.client = client
        self.roots = roots
        self.httpPort = httpPort
        self.hostBudget = hostBudget
    }

    public static var rules: [RuleMetadata] { RatingRules.all }

    public func rate(_ url: URL) async -> HostRating {
        let deadline = ContinuousClock.now + hostBudget
        let scheme = url.scheme?.lowercased() ?? "https"
        let host = url.host ?? ""
        let location = { (path: String) in Location(path: path, host: "\(scheme)://\(host)\(url.port.map { ":\($0)" } ?? "")") }
        var findings: [Finding] = []

        var tlsFindings: TLSFindings?
        if scheme == "https" {
            do {
                tlsFindings = try await TLSProber.probe(client, host: host, port: url.port ?? 443, roots: roots)
            } catch {
                return HostRating(url: url.absoluteString, grade: Grade.f.rawValue, score: 0, error: "TLS: \(error)", tls: nil, headers: nil,
                                  findings: [Finding(rule: RatingRules.noTLS, location: location("/"), message: "no TLS handshake: \(error)", confidence: .certain)])
            }
        }
        let verified = tlsFindings?.certificate?.trusted ?? false
        guard let main = await client.capture(url, certificateVerified: verified) else {
            return HostRating(url: url.absoluteString, grade: Grade.f.rawValue, score: 0, error: "no HTTP response from \(url.absoluteString)",
                              tls: nil, headers: nil, findings: [])
        }
        var cors = await client.capture(url, headers: [("Origin", CORSReflection.probeOrigin)], certificateVerified: verified) ?? main
        cors.requestOrigin = CORSReflection.probeOrigin
        let chain = await redirectChain(from: url)
        let evidence = HeaderEvidence(response: main, https: scheme == "https" ? main : nil, cors: cors,
                                      httpRedirectChain: chain.urls, redirectHitInvalidCertificate: chain.invalidCertificate)
        let headers = HeaderGrader.grade(evidence)
        findings += Self.findings(explaining: headers, at: location(url.path.isEmpty ? "/" : url.path))

        var tls: TLSVerdict?
        if let tlsFindings {
            let hsts = headers.tests.first { $0.name == "strict-transport-security" }?.result
            let verdict = TLSGrader.grade(tlsFindings, strongHSTS: hsts == "hsts-implemented-max-age-at-least-six-months")
            tls = verdict
            findings += Self.findings(explaining: verdict, at: location("/"))
        } else {
            findings.append(Finding(rule: RatingRules.noTLS, location: location("/"), message: "the API is rated over plain HTTP", confidence: .certain))
        }

        let context = HostContext(client: client, url: url, main: main)
        var checkFindings: [Finding] = []
        var skipped: [String] = []
        for check in HostChecks.all {
            guard ContinuousClock.now < deadline else { skipped.append(type(of: check).metadata.id); continue }
            checkFindings += await check.run(context)
        }
        findings += checkFindings

        let headerGrade = Rating.sharedGrade(observatory: headers.grade)
        let tlsGrade = tls.map { Rating.sharedGrade(tls: $0.grade) } ?? .f
        let checks = ScoreModel.score(checkFindings)
        let grade = Rating.worse(Rating.worse(headerGrade, tlsGrade), checks.grade)
        // The lowest part's score, kept inside the host grade's band so score and grade always agree.
        let score = Rating.score(min(min(headers.score, 100), tls?.score ?? 0, checks.value), within: grade)
        let budgetNote = skipped.isEmpty ? nil : "host time budget (\(hostBudget)) used up; skipped \(skipped.joined(separator: ", "))"
        return HostRating(url: url.absoluteString, grade: grade.rawValue, score: score, error: budgetNote, tls: tls, headers: headers,
                          findings: findings.sortedForReport())
    }

    /// One finding for every header test that took points away.
    static func findings(explaining headers: HeaderVerdict, at location: Location) -> [Finding] {
        headers.tests.filter { $0.modifier < 0 }.map { test in
            Finding(rule: RatingRules.header(test.name), location: location, message: "\(test.result) (\(test.modifier)): \(test.description)",
                    confidence: .certain, severity: RatingRules.severity(forModifier: test.modifier))
        }
    }

    /// One finding for every TLS cap: legacy protocols, missing forward secrecy, each certificate problem.
    static func findings(explaining tls: TLSVerdict, at location: Location) -> [Finding] {
        var findings: [Finding] = []
        let legacy = tls.protocols.filter { $0 == "TLSv1.0" || $0 == "TLSv1.1" }
        if !legacy.isEmpty {
            findings.append(Finding(rule: RatingRules.legacyProtocol, location: location, message: "accepts \(legacy.joined(separator: ", "))", confidence: .certain))
        }
        if !tls.forwardSecrecy {
            let weak = tls.ciphers.filter { TLSProber.suite(named: $0)?.forwardSecret == false }
            findings.append(Finding(rule: RatingRules.noForwardSecrecy, location: location, message: "accepts \(weak.joined(separator: ", "))", confidence: .certain))
        }
        if let certificate = tls.certificate {
            for problem in certificate.problems {
                findings.append(Finding(rule: RatingRules.certificate(problem), location: location,
                                        message: "\(problem.rawValue): \(certificate.subject), issued by \(certificate.issuer), valid \(certificate.notValidBefore) – \(certificate.notValidAfter)",
                                        confidence: .certain))
            }
        }
        return findings
    }

    /// Follows redirects from the plain-HTTP URL (at most 10), noting any invalid certificate on the way.
    private func redirectChain(from url: URL) async -> (urls: [String]?, invalidCertificate: Bool) {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return (nil, false) }
        if url.scheme?.lowercased() == "https" {
            // Plain HTTP lives on port 80 beside a default-port HTTPS URL; beside any other port, only where we are told.
            if url.port != nil {
                guard let httpPort else { return (nil, false) }
                components.port = httpPort
            }
            components.scheme = "http"
        }
        guard var current = components.url else { return (nil, false) }
        var visited = [current.absoluteString]
        for _ in 0..<10 {
            guard let (parts, presented) = try? await client.request(current) else {
                return (visited.count == 1 ? nil : visited, false)
            }
            if current.scheme == "https", let host = current.host,
               let report = try? await CertificateInspector.inspect(presented, host: host, roots: roots), !report.trusted {
                return (visited, true)
            }
            guard (300..<400).contains(parts.status),
                  let location = parts.headers.first(where: { $0.name.lowercased() == "location" })?.value,
                  let next = URL(string: location, relativeTo: current)?.absoluteURL else { return (visited, false) }
            current = next
            visited.append(next.absoluteString)
        }
        return (visited, false)
    }
}
