import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Counters and a latency histogram, served in Prometheus' text format on the admin listener.
public final class GatewayMetrics: Sendable {
    static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// The decisions the audit log records, in the order the counters are kept and rendered.
    static let decisions = ["allow", "deny", "error", "reject"]

    private struct State {
        /// Per decision (in `decisions`' order) and status class 0–5: a counter by index, no hashing per request.
        var requests = [Int](repeating: 0, count: GatewayMetrics.decisions.count * 6)
        var latencyBuckets = [Int](repeating: 0, count: GatewayMetrics.buckets.count)
        var latencyCount = 0
        var latencySum = 0.0
        var connections = 0
        var alerts: [String: Int] = [:]
        var auditBacklog = 0
        var auditDropped = 0
        /// GraphQL operations by label, passed and refused (at most `maximumOperations` labels; the rest count as "other").
        var graphQL: [String: (passed: Int, refused: Int, cost: Int)] = [:]
    }
    static let maximumOperations = 500
    private let state = NIOLockedValueBox(State())

    public init() {}

    func observe(decision: String, status: Int, seconds: Double) {
        state.withLockedValue { state in
            // The handler records no other decision (debug builds check); release builds count a stray one as an error.
            let decisionIndex = Self.decisions.firstIndex(of: decision) ?? { assertionFailure("unknown decision \(decision)"); return 2 }()
            state.requests[decisionIndex * 6 + min(max(status / 100, 0), 5)] += 1
            // Counted in the first bucket that holds it; Prometheus' cumulative counts are summed when rendered.
            if let index = Self.buckets.firstIndex(where: { seconds <= $0 }) { state.latencyBuckets[index] += 1 }
            state.latencyCount += 1
            state.latencySum += seconds
        }
    }

    func alert(detector: String) {
        state.withLockedValue { $0.alerts[detector, default: 0] += 1 }
    }

    func auditLog(backlog: Int, dropped: Int) {
        state.withLockedValue { state in
            state.auditBacklog = backlog
            state.auditDropped = dropped
        }
    }

    func graphQL(operation: String, refused: Bool, cost: Int = 0) {
        state.withLockedValue { state in
            let label = state.graphQL[operation] != nil || state.graphQL.count < Self.maximumOperations ? operation : "other"
            var counts = state.graphQL[label] ?? (0, 0, 0)
            counts.cost += cost
            if refused { counts.refused += 1 } else { counts.passed += 1 }
            state.graphQL[label] = counts
        }
    }

    func connections(_ open: Int) {
        state.withLockedValue { $0.connections = open }
    }

    public func prometheus() -> String {
        let state = state.withLockedValue { $0 }
        var out = "# HELP rampart_gateway_requests_total Requests by decision and status class.\n# TYPE rampart_gateway_requests_total counter\n"
        for (index, count) in state.requests.enumerated() where count > 0 {
            out += "rampart_gateway_requests_total{decision=\"\(Self.decisions[index / 6])\",status=\"\(index % 6)xx\"} \(count)\n"
        }
        out += "# HELP rampart_gateway_request_duration_seconds Time from request head to the end of the answer.\n# TYPE rampart_gateway_request_duration_seconds histogram\n"
        var cumulative = 0
        for (index, bound) in Self.buckets.enumerated() {
            cumulative += state.latencyBuckets[index]
            out += "rampart_gateway_request_duration_seconds_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        out += "rampart_gateway_request_duration_seconds_bucket{le=\"+Inf\"} \(state.latencyCount)\n"
        out += "rampart_gateway_request_duration_seconds_sum \(state.latencySum)\nrampart_gateway_request_duration_seconds_count \(state.latencyCount)\n"
        out += "# HELP rampart_gateway_open_connections Client connections open now.\n# TYPE rampart_gateway_open_connections gauge\n"
        out += "rampart_gateway_open_connections \(state.connections)\n"
        out += "# HELP rampart_gateway_alerts_total Anomaly alerts by detector.\n# TYPE rampart_gateway_alerts_total counter\n"
        for (detector, count) in state.alerts.sorted(by: { $0.key < $1.key }) { out += "rampart_gateway_alerts_total{detector=\"\(detector)\"} \(count)\n" }
        out += "# HELP rampart_gateway_audit_backlog Decisions waiting to be written to the audit log.\n# TYPE rampart_gateway_audit_backlog gauge\n"
        out += "rampart_gateway_audit_backlog \(state.auditBacklog)\n"
        out += "# HELP rampart_gateway_audit_dropped_total Decisions dropped because the audit log's backlog was full (when_full: shed).\n"
        out += "# TYPE rampart_gateway_audit_dropped_total counter\nrampart_gateway_audit_dropped_total \(state.auditDropped)\n"
        if !state.graphQL.isEmpty {
            // Operation labels are what clients wrote: escaped as Prometheus' text format wants.
            let operations = state.graphQL.sorted { $0.key < $1.key }.map { ($0.key.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""), $0.value) }
            out += "# HELP rampart_gateway_graphql_operations_total GraphQL operations by operation and decision.\n# TYPE rampart_gateway_graphql_operations_total counter\n"
            for (label, counts) in operations {
                if counts.passed > 0 { out += "rampart_gateway_graphql_operations_total{operation=\"\(label)\",decision=\"allow\"} \(counts.passed)\n" }
                if counts.refused > 0 { out += "rampart_gateway_graphql_operations_total{operation=\"\(label)\",decision=\"refuse\"} \(counts.refused)\n" }
            }
            out += "# HELP rampart_gateway_graphql_cost_total Summed cost (GraphQL Armor's model) of the operations let through.\n# TYPE rampart_gateway_graphql_cost_total counter\n"
            for (label, counts) in operations where counts.passed > 0 { out += "rampart_gateway_graphql_cost_total{operation=\"\(label)\"} \(counts.cost)\n" }
        }
        return out
    }
}

/// The admin listener: `/healthz` and `/metrics`, nothing else.
final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let metrics: GatewayMetrics
    private var path = ""

    init(metrics: GatewayMetrics) { self.metrics = metrics }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): path = String(head.uri.prefix { $0 != "?" })
        case .body: break
        case .end:
            let (status, type, body): (HTTPResponseStatus, String, String) = switch path {
            case "/healthz": (.ok, "text/plain", "ok\n")
            case "/metrics": (.ok, "text/plain; version=0.0.4", metrics.prometheus())
            default: (.notFound, "text/plain", "not found\n")
            }
            let headers = HTTPHeaders([("Content-Type", type), ("Content-Length", String(body.utf8.count)), ("Cache-Control", "no-store")])
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
