/// A place in a source file: 1-based line and column.
public struct SourcePosition: Codable, Hashable, Sendable {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// Where a finding is. A spec finding has a JSON pointer and a source position;
/// a finding about a running API has a method, a path template and maybe a parameter;
/// a finding about a host has a host. Only the stable parts go into the fingerprint.
public struct Location: Codable, Hashable, Sendable {
    /// JSON pointer into the file of `position` (`/paths/~1users~1{id}/get`).
    public var pointer: String?
    /// Where in which file that node starts. The file is part of the fingerprint, the line and column are not: lines move.
    public var position: SourcePosition?
    public var method: String?
    public var path: String?
    public var parameter: String?
    public var host: String?

    public init(
        pointer: String? = nil, position: SourcePosition? = nil, method: String? = nil,
        path: String? = nil, parameter: String? = nil, host: String? = nil
    ) {
        self.pointer = pointer
        self.position = position
        self.method = method
        self.path = path
        self.parameter = parameter
        self.host = host
    }

    /// The identity of the place, independent of line numbers and run.
    public var stableKey: String {
        [position?.file, pointer, method, path, parameter, host].map { $0 ?? "" }.joined(separator: "\u{1F}")
    }

    /// `spec.yaml:12:5`, else `GET /users/{id}`, else `https://host/path`, else the pointer.
    public var display: String {
        if let position { return position.description }
        if let method, let path { return "\(method) \(path)" + (parameter.map { " [\($0)]" } ?? "") }
        if let host { return host + (path ?? "") }
        return pointer ?? path ?? "-"
    }
}

/// Proof of a finding: for the spec, the offending excerpt; for live tests,
/// the request and an excerpt of the response. Secrets are redacted before this is built.
public struct Evidence: Codable, Hashable, Sendable {
    public var excerpt: String?
    public var request: String?
    public var response: String?
    /// A command that repeats the request.
    public var curl: String?

    public init(excerpt: String? = nil, request: String? = nil, response: String? = nil, curl: String? = nil) {
        self.excerpt = excerpt
        self.request = request
        self.response = response
        self.curl = curl
    }
}
