import Foundation
import RampartCore

/// One finding as a run reported it, whatever produced it (a Rampart command, an imported SARIF file): what the
/// lifecycle needs to know, keyed by its fingerprint.
public struct Observation: Sendable, Equatable {
    public var fingerprint: String
    public var ruleId: String
    public var title: String
    public var severity: Severity
    /// Where, as people read it (`GET /accounts/{id}`, `openapi.yaml:12`).
    public var location: String
    public var message: String

    public init(fingerprint: String, ruleId: String, title: String, severity: Severity, location: String, message: String) {
        self.fingerprint = fingerprint
        self.ruleId = ruleId
        self.title = title
        self.severity = severity
        self.location = location
        self.message = message
    }

    public init(_ finding: Finding) {
        self.init(fingerprint: finding.fingerprint, ruleId: finding.ruleId, title: finding.title, severity: finding.severity,
                  location: finding.location.display, message: finding.message)
    }
}

/// Where a finding stands. `new`, `open` and `reopened` are active (they count, they can be overdue); `fixed`,
/// `acceptedRisk` and `falsePositive` are closed.
public enum FindingState: String, Codable, Sendable, CaseIterable {
    case new, open, fixed, reopened
    case acceptedRisk = "accepted_risk"
    case falsePositive = "false_positive"

    public var isActive: Bool { self == .new || self == .open || self == .reopened }
}

/// Days to fix a finding, by severity, from when it was first seen (or reopened); nil: no due date.
public struct SLAPolicy: Codable, Sendable, Equatable {
    public var days: [Severity: Int]

    /// Common defaults (DefectDojo's, PCI-style): critical 7, high 30, medium 90, low 180 days; info none.
    public static let standard = SLAPolicy(days: [.critical: 7, .high: 30, .medium: 90, .low: 180])

    public init(days: [Severity: Int]) { self.days = days }

    public func due(for severity: Severity, from start: Date) -> Date? {
        days[severity].map { start.addingTimeInterval(Double($0) * 86_400) }
    }
}

/// A finding of one asset, tracked across runs.
public struct TrackedFinding: Codable, Sendable, Equatable {
    public var fingerprint: String
    /// What reports it (`scan`, `audit`, `sarif:OWASP ZAP`): a complete run of that source closes what it no longer reports.
    public var source: String
    public var ruleId: String
    public var title: String
    public var severity: Severity
    public var location: String
    public var message: String
    public var state: FindingState
    public var firstSeen: Date
    public var lastSeen: Date
    /// When it was last fixed; nil while it never was.
    public var fixedAt: Date?
    public var dueDate: Date?
    public var acceptance: Acceptance?
    public var history: [Change]

    /// An accepted risk: why, who accepted it, and until when (then it is active again).
    public struct Acceptance: Codable, Sendable, Equatable {
        public var reason: String
        public var by: String
        public var until: Date?
    }

    /// One change of state, with who made it (a person, or the run that caused it).
    public struct Change: Codable, Sendable, Equatable {
        public var at: Date
        public var from: FindingState?
        public var to: FindingState
        public var by: String
        public var note: String?
    }

    public func isOverdue(at now: Date) -> Bool {
        state.isActive && dueDate.map { now > $0 } == true
    }
}

/// What a merge changed, for events and alerts (a new critical, a reopened finding).
public struct LifecycleEvent: Sendable, Equatable {
    public var fingerprint: String
    public var from: FindingState?
    public var to: FindingState
    public var severity: Severity
}

/// The findings lifecycle of one asset: every run's observations are merged by fingerprint (new → open → fixed →
/// reopened), people accept risks (with an expiry) and mark false positives (kept closed across runs), and every
/// change is kept in the finding's history. Pure: the store saves what it returns.
public struct FindingLifecycle: Codable, Sendable, Equatable {
    public private(set) var findings: [String: TrackedFinding] = [:]
    public var sla: SLAPolicy

    public init(sla: SLAPolicy = .standard) { self.sla = sla }

    /// Merges one run of `source`. A complete run also fixes the active findings of that source it did not report;
    /// a partial one (stopped, over budget, one rule only) closes nothing. Accepted risks past their expiry become
    /// active again first.
    @discardableResult
    public mutating func merge(_ observations: [Observation], from source: String, complete: Bool, at now: Date, run: String) -> [LifecycleEvent] {
        var events = expire(at: now)
        var reported: Set<String> = []
        for observation in observations where reported.insert(observation.fingerprint).inserted {
            guard var finding = findings[observation.fingerprint] else {
                var created = TrackedFinding(fingerprint: observation.fingerprint, source: source, ruleId: observation.ruleId, title: observation.title,
                                             severity: observation.severity, location: observation.location, message: observation.message, state: .new,
                                             firstSeen: now, lastSeen: now, dueDate: sla.due(for: observation.severity, from: now), history: [])
                created.history.append(.init(at: now, from: nil, to: .new, by: run, note: nil))
                findings[observation.fingerprint] = created
                events.append(LifecycleEvent(fingerprint: observation.fingerprint, from: nil, to: .new, severity: observation.severity))
                continue
            }
            finding.lastSeen = now
            finding.message = observation.message
            if observation.severity != finding.severity {
                // A severity that changes moves the due date with it (from when the finding was first seen).
                finding.severity = observation.severity
                if finding.state.isActive { finding.dueDate = sla.due(for: observation.severity, from: finding.history.last { $0.to == .reopened }?.at ?? finding.firstSeen) }
            }
            switch finding.state {
            case .new: change(&finding, to: .open, at: now, by: run, events: &events)
            case .fixed:
                finding.dueDate = sla.due(for: finding.severity, from: now)
                change(&finding, to: .reopened, at: now, by: run, events: &events)
            case .open, .reopened, .acceptedRisk, .falsePositive: break
            }
            findings[observation.fingerprint] = finding
        }
        guard complete else { return events }
        for (fingerprint, var finding) in findings where finding.source == source && finding.state.isActive && !reported.contains(fingerprint) {
            finding.fixedAt = now
            change(&finding, to: .fixed, at: now, by: run, events: &events)
            findings[fingerprint] = finding
        }
        return events
    }

    /// Accepts the risk of an active finding until `until` (nil: until someone reopens it).
    public mutating func acceptRisk(_ fingerprint: String, reason: String, by person: String, until: Date?, at now: Date) throws(LifecycleError) {
        guard var finding = findings[fingerprint] else { throw LifecycleError.unknown(fingerprint) }
        guard finding.state.isActive else { throw LifecycleError.notActive(fingerprint, finding.state) }
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw LifecycleError.reasonRequired }
        if let until, until <= now { throw LifecycleError.expiryInThePast }
        finding.acceptance = .init(reason: reason, by: person, until: until)
        var ignored: [LifecycleEvent] = []
        change(&finding, to: .acceptedRisk, at: now, by: person, note: reason, events: &ignored)
        findings[fingerprint] = finding
    }

    /// Marks a finding as a false positive: closed, and kept closed whatever later runs report.
    public mutating func markFalsePositive(_ fingerprint: String, reason: String, by person: String, at now: Date) throws(LifecycleError) {
        guard var finding = findings[fingerprint] else { throw LifecycleError.unknown(fingerprint) }
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw LifecycleError.reasonRequired }
        var ignored: [LifecycleEvent] = []
        change(&finding, to: .falsePositive, at: now, by: person, note: reason, events: &ignored)
        findings[fingerprint] = finding
    }

    /// Takes back an acceptance or a false positive: the finding is active again.
    public mutating func reopen(_ fingerprint: String, by person: String, note: String?, at now: Date) throws(LifecycleError) {
        guard var finding = findings[fingerprint] else { throw LifecycleError.unknown(fingerprint) }
        guard finding.state == .acceptedRisk || finding.state == .falsePositive else { throw LifecycleError.notClosedByAPerson(fingerprint, finding.state) }
        finding.acceptance = nil
        var ignored: [LifecycleEvent] = []
        change(&finding, to: .open, at: now, by: person, note: note, events: &ignored)
        findings[fingerprint] = finding
    }

    /// Accepted risks whose time is up become active again (open), with the change in their history.
    public mutating func expire(at now: Date) -> [LifecycleEvent] {
        var events: [LifecycleEvent] = []
        for (fingerprint, var finding) in findings where finding.state == .acceptedRisk {
            guard let until = finding.acceptance?.until, until <= now else { continue }
            finding.acceptance = nil
            change(&finding, to: .open, at: now, by: "expiry", note: "the accepted risk expired", events: &events)
            findings[fingerprint] = finding
        }
        return events
    }

    /// Active findings past their due date.
    public func overdue(at now: Date) -> [TrackedFinding] {
        findings.values.filter { $0.isOverdue(at: now) }.sorted { ($0.severity, $1.fingerprint) > ($1.severity, $0.fingerprint) }
    }

    /// Mean time from first seen to fixed, over the findings fixed so far; nil before any was.
    public var meanTimeToRemediate: TimeInterval? {
        let durations = findings.values.filter { $0.state == .fixed }.compactMap { finding in finding.fixedAt.map { $0.timeIntervalSince(finding.firstSeen) } }
        return durations.isEmpty ? nil : durations.reduce(0, +) / Double(durations.count)
    }

    private func change(_ finding: inout TrackedFinding, to state: FindingState, at now: Date, by who: String, note: String? = nil, events: inout [LifecycleEvent]) {
        guard finding.state != state else { return }
        finding.history.append(.init(at: now, from: finding.state, to: state, by: who, note: note))
        events.append(LifecycleEvent(fingerprint: finding.fingerprint, from: finding.state, to: state, severity: finding.severity))
        finding.state = state
    }
}

public enum LifecycleError: Error, Equatable, CustomStringConvertible {
    case unknown(String)
    case notActive(String, FindingState)
    case notClosedByAPerson(String, FindingState)
    case reasonRequired
    case expiryInThePast

    public var description: String {
        switch self {
        case .unknown(let fingerprint): "no finding with fingerprint \(fingerprint)"
        case .notActive(let fingerprint, let state): "finding \(fingerprint) is \(state.rawValue), not active: only an active finding's risk can be accepted"
        case .notClosedByAPerson(let fingerprint, let state): "finding \(fingerprint) is \(state.rawValue): only an accepted risk or a false positive is reopened by hand"
        case .reasonRequired: "a reason is required"
        case .expiryInThePast: "the acceptance would already have expired"
        }
    }
}
