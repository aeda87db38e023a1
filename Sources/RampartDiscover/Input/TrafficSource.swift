/// The formats `rampart discover` reads.
public enum TrafficFormat: String, CaseIterable, Sendable {
    case har
    case accessLog = "access-log"
    case gateway

    /// Decided by the first bytes (after gzip): a HAR file is one JSON object with `log`, gateway records are one
    /// JSON object per line, anything else is read as an access log.
    static func sniff(path: String) throws(DiscoverError) -> TrafficFormat {
        let head = try ChunkReader(path: path, chunkSize: 4096).next() ?? []
        let text = String(decoding: head.prefix(4096), as: UTF8.self).drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        guard text.hasPrefix("{") else { return .accessLog }
        // A HAR file's root has one key, `log` (its whole content may be on one line).
        if text.dropFirst().drop(while: \.isWhitespace).hasPrefix("\"log\"") { return .har }
        let firstLine = text.prefix { $0 != "\n" }
        if firstLine.contains("\"method\"") && firstLine.hasSuffix("}") { return .gateway }
        return .har
    }
}

/// What reading one input gave: how many records, and the lines that could not be read (the first few kept).
public struct ReadSummary: Sendable {
    public var file: String
    public var format: TrafficFormat
    public var records = 0
    public var malformed = 0
    public var firstMalformed: [(line: Int, problem: String)] = []

    static let keptProblems = 5

    mutating func noteMalformed(line: Int, _ problem: String) {
        malformed += 1
        if firstMalformed.count < Self.keptProblems { firstMalformed.append((line, problem)) }
    }
}

/// Reads one input file of any supported format, record by record.
public enum TrafficSource {
    public static func read(path: String, format given: TrafficFormat? = nil, _ body: (TrafficRecord) -> Void) throws(DiscoverError) -> ReadSummary {
        let format = if let given { given } else { try TrafficFormat.sniff(path: path) }
        var summary = ReadSummary(file: path, format: format)
        switch format {
        case .har:
            try HARReader(path: path).read({ record in
                summary.records += 1
                body(record)
            }, malformed: { summary.noteMalformed(line: $0, $1) })
        case .accessLog, .gateway:
            var lines = try LineReader(path: path)
            try lines.forEachLine { line, number in
                if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { return }
                if format == .accessLog {
                    guard let record = AccessLogParser.parse(line) else { return summary.noteMalformed(line: number, "not a common or combined log line") }
                    summary.records += 1
                    body(record)
                } else {
                    do throws(RecordProblem) {
                        let record = try GatewayRecordParser.parse(line)
                        summary.records += 1
                        body(record)
                    } catch {
                        summary.noteMalformed(line: number, error.problem)
                    }
                }
            }
        }
        if summary.records == 0 && summary.malformed > 0 {
            throw DiscoverError(file: path, line: summary.firstMalformed.first?.line,
                                problem: "no line could be read as \(format.rawValue) (\(summary.firstMalformed.first?.problem ?? ""))")
        }
        return summary
    }
}
