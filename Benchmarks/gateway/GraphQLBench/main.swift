// CPU time the gateway's `graphql:` policy adds to one request: GraphQLGuard.check on a POST body, measured per call
// with the thread's CPU clock (the body's JSON parse, the document's shape, the limits), for a typical query and a
// larger one. "warm": the same document with new variables each time, as apps send them (its shape is cached);
// "cold": a document never seen before each time (GraphQLSwift parses and the walker measures it).
// Prints p50, p99 and the mean in microseconds as JSON lines.
// Used by Benchmarks/gateway/graphql.sh.
//
//   rampart-graphql-bench [CALLS]
import Foundation
import NIOCore
import RampartGateway

let calls = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 20_000 : 20_000
let policy = try GraphQLGuard(policy: GraphQLPolicy())
let limiter = InMemoryRateLimitStore()

/// Queries a client sends every day: a lookup with a variable and a few nested fields; a page of a list with
/// fragments, aliases and a directive.
let documents = [
    ("typical", #"{"operationName":"Account","query":"query Account($id: ID!) { account(id: $id) { id nickname balance currency owner { id name email } } }","variables":{"id":"1001"}}"#),
    ("larger", #"{"query":"query Dashboard($first: Int = 20, $withOwner: Boolean!) { me { id name email role } recent: accounts { ...AccountFields owner @include(if: $withOwner) { id name } } products(search: \"card\") { id name price } } fragment AccountFields on Account { id nickname balance currency }","variables":{"withOwner":true}}"#),
]

func cpuNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

for (name, body) in documents {
  for cold in [false, true] {
    var samples: [UInt64] = []
    samples.reserveCapacity(calls)
    for index in 0..<(calls + 1_000) {
        // A new variable value each time; a cold document also gets a comment that makes its text new.
        var text = body.replacingOccurrences(of: "1001", with: String(index))
        if cold { text = text.replacingOccurrences(of: ##""query":"query"##, with: ##""query":"# \##(index)\nquery"##) }
        let buffer = ByteBuffer(string: text)
        let started = cpuNanoseconds()
        let outcome = policy.check(post: buffer.readableBytesView, contentType: "application/json", caller: nil, client: "127.0.0.1", route: "graphql", limiter: limiter)
        let spent = cpuNanoseconds() - started
        guard case .pass = outcome else { fatalError("the \(name) query was refused: \(outcome)") }
        if index >= 1_000 { samples.append(spent) }  // the first thousand warm the caches
    }
    samples.sort()
    let micro = { (nanoseconds: UInt64) in Double(nanoseconds) / 1_000 }
    let mean = Double(samples.reduce(0, +)) / Double(samples.count) / 1_000
    print(String(format: #"{"query":"%@","documents":"%@","calls":%d,"p50_us":%.1f,"p99_us":%.1f,"mean_us":%.1f}"#, name, cold ? "cold" : "warm", calls,
                 micro(samples[samples.count / 2]), micro(samples[samples.count * 99 / 100]), mean))
  }
}

// Answers on the way back: one without debug output (scanned, passed on as it is) and one with resolver tracing and
// a stack trace (parsed, cleaned and written again).
let answers = [
    ("plain answer", #"{"data":{"products":[{"id":"2","name":"Savings booster","price":19.0},{"id":"3","name":"Gold credit card","price":28.5}]}}"#),
    ("traced answer", #"{"data":{"products":null},"errors":[{"message":"Cannot query field \"productz\" on type \"Query\". Did you mean \"products\"?","locations":[{"line":1,"column":3}],"extensions":{"exception":{"stacktrace":["at resolve (app.js:12)","at execute (graphql.js:301)"]}}}],"extensions":{"tracing":{"version":1,"startTime":"2026-12-07T18:00:09Z","duration":1607656}}}"#),
]
for (name, body) in answers {
    let buffer = ByteBuffer(string: body)
    var samples: [UInt64] = []
    for index in 0..<(calls + 1_000) {
        let started = cpuNanoseconds()
        let cleaned = policy.clean(buffer)
        let spent = cpuNanoseconds() - started
        if index == 0, (cleaned == nil) != (name == "plain answer") { fatalError("\(name): cleaned \(cleaned != nil)") }
        if index >= 1_000 { samples.append(spent) }
    }
    samples.sort()
    print(String(format: #"{"answer":"%@","calls":%d,"p50_us":%.1f,"p99_us":%.1f}"#, name, calls, Double(samples[samples.count / 2]) / 1_000,
                 Double(samples[samples.count * 99 / 100]) / 1_000))
}
