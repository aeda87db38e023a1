import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// What happens to an alert: a line in the audit log, a metric, a webhook call, and (if configured) a temporary block.
final class AlertSink: Sendable {
    let detector: AnomalyDetector
    let blocklist = Blocklist()
    let webhook: AlertWebhook?

    init(settings: DetectionSettings) {
        detector = AnomalyDetector(settings: settings)
        webhook = settings.webhook.map(AlertWebhook.init)
    }

    func raise(_ alerts: [Alert], correlation: String, auditLog: AuditLog?, metrics: GatewayMetrics) {
        for alert in alerts {
            metrics.alert(detector: alert.detector)
            auditLog?.record(AuditEntry(time: Date(timeIntervalSince1970: alert.time).formatted(.iso8601), client: alert.client, identity: alert.identity,
                                        route: nil, method: "-", path: alert.operation ?? "-", decision: "alert",
                                        reason: "\(alert.detector): \(alert.message) (count \(alert.count), threshold \(alert.threshold), window \(alert.windowSeconds) s)",
                                        status: 0, latencyMs: 0, bytes: 0, correlation: correlation))
            webhook?.send(alert)
            if let seconds = detector.settings.blockSeconds {
                // Who is acting: the identity when there is one (a token can move between addresses), else the address.
                blocklist.block(alert.identity.map { "identity " + $0 } ?? "client " + alert.client, until: alert.time + seconds)
            }
        }
    }
}

/// Clients and identities refused for a while after an alert.
final class Blocklist: Sendable {
    private let until = NIOLockedValueBox<[String: Double]>([:])

    func block(_ key: String, until time: Double) {
        until.withLockedValue { $0[key] = max($0[key] ?? 0, time) }
    }

    /// Until when `key` is blocked, if it is now.
    func blocked(_ key: String, now: Double = Date().timeIntervalSince1970) -> Double? {
        until.withLockedValue { table in
            guard let time = table[key] else { return nil }
            if time > now { return time }
            table[key] = nil
            return nil
        }
    }

    var isEmpty: Bool { until.withLockedValue { $0.isEmpty } }
}

/// POSTs alerts as JSON, in order, from a bounded queue (the oldest are dropped when it is full), retrying failures
/// with a growing pause. Never on an event loop's critical path.
final class AlertWebhook: Sendable {
    let settings: DetectionSettings.Webhook
    private let state = NIOLockedValueBox<(queue: [Alert], sending: Bool)>(([], false))

    init(settings: DetectionSettings.Webhook) { self.settings = settings }

    func send(_ alert: Alert) {
        let start = state.withLockedValue { state -> Bool in
            if state.queue.count >= settings.queue { state.queue.removeFirst() }
            state.queue.append(alert)
            guard !state.sending else { return false }
            state.sending = true
            return true
        }
        if start { Task { await drain() } }
    }

    private func drain() async {
        while let alert = state.withLockedValue({ state -> Alert? in
            guard !state.queue.isEmpty else {
                state.sending = false
                return nil
            }
            return state.queue.removeFirst()
        }) {
            await deliver(alert)
        }
    }

    private func deliver(_ alert: Alert) async {
        var request = HTTPClientRequest(url: settings.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "rampart-gateway")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let body = try? encoder.encode(["alert": alert]) else { return }
        request.body = .bytes(ByteBuffer(bytes: body))
        for attempt in 0...settings.retries {
            if let response = try? await HTTPClient.shared.execute(request, timeout: .milliseconds(Int64(settings.timeout * 1000))),
               (200..<300).contains(response.status.code) {
                return
            }
            if attempt < settings.retries { try? await Task.sleep(for: .milliseconds(250 << min(attempt, 5))) }
        }
    }
}
