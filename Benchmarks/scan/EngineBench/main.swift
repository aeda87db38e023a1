// Throughput of Rampart's HTTP engine (RampartHTTP): N GET requests to one URL, `concurrency` in flight,
// no rate limit, through the same scope guard, limits and response collection a scan uses.
// Prints requests/s and latency percentiles as JSON. Used by Benchmarks/scan/run.sh.
//
//   rampart-engine-bench URL [REQUESTS] [CONCURRENCY]
import Foundation
import RampartHTTP

let arguments = CommandLine.arguments
guard arguments.count >= 2, let url = URL(string: arguments[1]) else {
    FileHandle.standardError.write(Data("usage: rampart-engine-bench URL [REQUESTS] [CONCURRENCY]\n".utf8))
    exit(2)
}
let total = arguments.count > 2 ? Int(arguments[2]) ?? 20_000 : 20_000
let concurrency = arguments.count > 3 ? Int(arguments[3]) ?? 32 : 32

let engine = try HTTPEngine(scope: Scope([url]), options: EngineOptions(requestsPerSecond: nil, concurrency: concurrency))
// Warm the connection pool.
for _ in 0..<concurrency { _ = try? await engine.send(OutboundRequest(method: "GET", url: url)) }
let warm = engine.counters.sent
let started = ContinuousClock.now
let failures = await withTaskGroup(of: Int.self) { group in
    // Exactly `concurrency` workers, each sending its share in a loop.
    for worker in 0..<concurrency {
        group.addTask {
            var failed = 0
            for _ in stride(from: worker, to: total, by: concurrency) {
                do {
                    let exchange = try await engine.send(OutboundRequest(method: "GET", url: url))
                    if exchange.response.status != 200 { failed += 1 }
                } catch { failed += 1 }
            }
            return failed
        }
    }
    var failed = 0
    for await count in group { failed += count }
    return failed
}
let elapsed = ContinuousClock.now - started
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let sent = engine.counters.sent - warm
let summary: [String: Any] = [
    "requests": sent, "failures": failures, "concurrency": concurrency, "seconds": (seconds * 100).rounded() / 100,
    "requests_per_second": Int(Double(sent) / seconds),
    "p50_ms": engine.latencyPercentile(0.50), "p99_ms": engine.latencyPercentile(0.99),
]
print(String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]), as: UTF8.self))
await engine.shutdown()
