import Foundation
import RampartCore

/// One operation as seen in traffic, ready for reports, the spec comparison and the emitted spec.
public struct DiscoveredOperation {
    public var method: String
    public var template: String
    /// Each path parameter with the kinds of value it held (`integer`, `uuid`, `slug`…).
    public var pathParameters: [(name: String, kinds: Set<String>)]
    public var requests: Int
    public var statuses: [Int: Int]
    public var queryParameters: [(name: String, count: Int)]
    public var headerParameters: [(name: String, count: Int)]
    public var auth: [AuthScheme: Int]
    public var unauthenticatedSuccesses: Int
    public var clients: Int
    public var firstSeen: Double?
    public var lastSeen: Double?
    public var sensitive: [(sighting: SensitiveSighting, count: Int)]
    let stats: OperationStats

    public var label: String { "\(method) \(template)" }
    /// The schemes seen, most used first (`none` included).
    public var authSummary: String {
        auth.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map(\.key.rawValue).joined(separator: "+")
    }
}

/// Everything one run learned from its inputs.
public struct Discovery {
    public var inputs: [ReadSummary]
    public var operations: [DiscoveredOperation]
    /// Hosts named by the traffic, most requests first.
    public var hosts: [(host: String, requests: Int)]
    public var requests: Int
    /// GraphQL operations behind GraphQL endpoints, most requested first.
    public var graphQL: [GraphQLOperationSeen] = []
    /// A draft SDL of the GraphQL that traffic used (empty without GraphQL traffic).
    public var graphQLSchema = ""
}

/// Reads traffic files into one inventory.
public final class Discoverer {
    private let trie = PathTrie()
    private let graphQL = GraphQLTraffic()
    private var summaries: [ReadSummary] = []
    private var hosts: [String: Int] = [:]
    private var requests = 0

    /// Called with the number of requests read so far, every 100,000 requests.
    public var onProgress: ((Int) -> Void)?

    public init() {}

    /// Reads one file (any supported format, gzip or not); single bad lines are counted, not fatal.
    public func add(path: String, format: TrafficFormat? = nil) throws(DiscoverError) -> ReadSummary {
        let summary = try TrafficSource.read(path: path, format: format) { record in add(record) }
        summaries.append(summary)
        return summary
    }

    public func add(_ record: TrafficRecord) {
        requests += 1
        if requests % 100_000 == 0 { onProgress?(requests) }
        if let host = record.host { hosts[host, default: 0] += 1 }
        trie.add(record)
        _ = graphQL.add(record)
    }

    public func finish() -> Discovery {
        trie.fold()
        let operations = trie.templates().map { entry in
            let stats = entry.stats
            return DiscoveredOperation(
                method: entry.method, template: entry.template,
                pathParameters: entry.pathParameters.map { ($0.name, Set($0.kinds.map(\.rawValue))) },
                requests: stats.count, statuses: stats.statuses,
                queryParameters: stats.query.map { ($0.key, $0.value.count) }.sorted { $0.0 < $1.0 },
                headerParameters: stats.headers.map { ($0.key, $0.value.count) }.sorted { $0.0 < $1.0 },
                auth: stats.auth, unauthenticatedSuccesses: stats.unauthenticatedSuccesses, clients: stats.clients.count,
                firstSeen: stats.firstSeen, lastSeen: stats.lastSeen,
                sensitive: stats.sensitive.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 }, stats: stats)
        }
        let graphQLOperations = graphQL.operations.values.sorted { ($0.requests, $1.label) > ($1.requests, $0.label) }
        return Discovery(inputs: summaries, operations: operations, hosts: hosts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { ($0.key, $0.value) },
                         requests: requests, graphQL: graphQLOperations,
                         graphQLSchema: graphQLOperations.isEmpty ? "" : graphQL.sdl(requests: graphQLOperations.reduce(0) { $0 + $1.requests }))
    }
}
