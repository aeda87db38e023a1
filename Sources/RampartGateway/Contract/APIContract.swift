import Foundation
import NIOCore
import NIOHTTP1
import RampartSpec

/// A route's API description compiled for enforcement (`openapi:` on a route): which operations exist,
/// what their parameters and JSON bodies must look like, and what their JSON answers may contain.
final class APIContract: Sendable {
    enum Mode: String, Sendable { case enforce, monitor }
    /// What to do with response properties the spec does not declare.
    enum ResponsePolicy: String, Sendable { case strip, flag, off }

    struct Parameter: Sendable {
        var name: String
        /// `path`, `query`, `header` or `cookie`.
        var location: String
        var required: Bool
        var schema: SchemaValidator?
        /// `?id=1,2` (false) or `?id=1&id=2` (true, the default for query arrays).
        var explode: Bool
    }

    /// A class: each request that matches one refers to it, where a struct would be copied field by field.
    final class Operation: Sendable {
        let method: String
        let label: String
        /// The path's segments under the base path: a fixed word, or nil for a parameter (with its name).
        let segments: [(literal: String?, name: String)]
        let parameters: [Parameter]
        /// Media types a request body may have; empty when the operation takes no body.
        let bodyTypes: [String]
        let bodyRequired: Bool
        let bodySchema: SchemaValidator?
        /// JSON schemas of the answers, by status (`200`, `2XX`, `default`).
        let responses: [String: SchemaValidator]
        let literalCount: Int
        /// The query parameters it declares (with the credential ones), for the unknown-parameter check.
        let queryNames: Set<String>

        init(method: String, label: String, segments: [(literal: String?, name: String)], parameters: [Parameter], bodyTypes: [String], bodyRequired: Bool,
             bodySchema: SchemaValidator?, responses: [String: SchemaValidator], credentialParameters: Set<String>) {
            self.method = method
            self.label = label
            self.segments = segments
            self.parameters = parameters
            self.bodyTypes = bodyTypes
            self.bodyRequired = bodyRequired
            self.bodySchema = bodySchema
            self.responses = responses
            literalCount = segments.count { $0.literal != nil }
            queryNames = Set(parameters.filter { $0.location == "query" }.map(\.name)).union(credentialParameters)
        }
    }

    let spec: String
    let mode: Mode
    let responsePolicy: ResponsePolicy
    /// Reject query parameters the operation does not declare (a positive model for the query string too).
    let rejectUnknownQuery: Bool
    let operations: [Operation]
    /// Query parameters that carry credentials (apiKey security schemes): never "unknown".
    let credentialParameters: Set<String>

    init(path: String, displayName: String, mode: Mode, responses: ResponsePolicy, rejectUnknownQuery: Bool, basePath: String?) throws(SpecError) {
        let document = try SpecDocument(path: path)
        let api = try APIDescription(document)
        var compiler = SchemaCompiler(document: document)
        let base = basePath ?? api.servers.first.map { Self.basePath(of: $0.url) } ?? ""
        spec = displayName
        self.mode = mode
        responsePolicy = responses
        self.rejectUnknownQuery = rejectUnknownQuery
        credentialParameters = Set(api.securitySchemes.filter { $0.type == "apiKey" && $0.location == "query" }.compactMap { $0.cursor.node["name"]?.string })
        var operations: [Operation] = []
        for operation in api.operations {
            operations.append(Self.compile(operation, base: base, credentialParameters: credentialParameters, compiler: &compiler))
        }
        self.operations = operations
        compiler.finish()
        if let problem = compiler.problems.first { throw problem }
    }

    private static func compile(_ operation: APIDescription.Operation, base: String, credentialParameters: Set<String>, compiler: inout SchemaCompiler) -> Operation {
        let segments: [(literal: String?, name: String)] = (base + operation.path).split(separator: "/").map(segment)
        var parameters: [Parameter] = []
        for parameter in operation.parameters where parameter.location != "body" && parameter.location != "formData" {
            let style = parameter.cursor.node["style"]?.string ?? "form"
            parameters.append(Parameter(name: parameter.location == "header" ? parameter.name.lowercased() : parameter.name, location: parameter.location,
                                        required: parameter.required || parameter.location == "path", schema: parameter.schema.map { compiler.compile($0) },
                                        explode: parameter.cursor.node["explode"]?.bool ?? (style == "form")))
        }
        var responses: [String: SchemaValidator] = [:]
        for response in operation.responses {
            if let schema = response.content.first(where: { isJSON($0.name) })?.schema { responses[response.status.uppercased()] = compiler.compile(schema) }
        }
        let json = operation.requestBody?.content.first { isJSON($0.name) }
        return Operation(method: operation.method, label: operation.label, segments: segments, parameters: parameters,
                         bodyTypes: operation.requestBody?.content.map { $0.name.lowercased() } ?? [],
                         bodyRequired: operation.requestBody?.cursor.node["required"]?.bool ?? false,
                         bodySchema: json?.schema.map { compiler.compile($0) }, responses: responses, credentialParameters: credentialParameters)
    }

    enum Match {
        case operation(Operation, pathParameters: [String: String])
        case notFound
        case methodNotAllowed([String])
    }

    /// The documented operation for a normalized path; the one with the most fixed words wins (`/users/me` over `/users/{id}`).
    func match(method: String, path: String) -> Match {
        let parts = path.utf8.split(separator: UInt8(ascii: "/")).map { Substring($0) }
        var best: Operation?
        var allowed: Set<String> = []
        for operation in operations where operation.segments.count == parts.count {
            let same = zip(operation.segments, parts).allSatisfy { segment, part in segment.literal.map { $0 == part } ?? true }
            guard same else { continue }
            guard operation.method == method else {
                allowed.insert(operation.method)
                continue
            }
            if best == nil || operation.literalCount > best!.literalCount { best = operation }
        }
        guard let best else { return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed.sorted()) }
        var captured: [String: String] = [:]
        for (segment, part) in zip(best.segments, parts) where segment.literal == nil {
            captured[segment.name] = String(part).removingPercentEncoding ?? String(part)
        }
        return .operation(best, pathParameters: captured)
    }

    /// Checks everything but the body; the first problem, as a status and a message safe to send back.
    func check(_ operation: Operation, pathParameters: [String: String], head: RequestHead, hasBody: Bool) -> (HTTPResponseStatus, String)? {
        // Parsed only when something reads them.
        let query = head.uri.utf8.contains(UInt8(ascii: "?")) ? Self.query(head.uri) : []
        lazy var cookies = Self.cookies(head.headers)
        for parameter in operation.parameters {
            let values: [String]
            switch parameter.location {
            case "path": values = pathParameters[parameter.name].map { [$0] } ?? []
            case "query": values = query.filter { $0.name == parameter.name }.map(\.value)
            case "header": values = head.headers[name: parameter.name].flatMap { $0.split(separator: ",").map { String($0.trimmingSpaces) } }
            case "cookie": values = cookies.filter { $0.name == parameter.name }.map(\.value)
            default: values = []
            }
            if values.isEmpty {
                if parameter.required { return (.badRequest, "the \(parameter.location) parameter '\(parameter.name)' is required") }
                continue
            }
            guard let schema = parameter.schema else { continue }
            let value: Any = schema.types == ["array"]
                ? (parameter.explode ? values : values.flatMap { $0.split(separator: ",").map(String.init) }).map { Self.typed($0, as: schema.items) }
                : Self.typed(values[0], as: schema)
            if let problem = schema.problem(value, at: parameter.name) { return (.badRequest, "\(parameter.location) parameter \(problem)") }
        }
        if rejectUnknownQuery {
            if let unknown = query.first(where: { !operation.queryNames.contains($0.name) }) {
                return (.badRequest, "the query parameter \(SchemaValidator.name(unknown.name)) is not accepted by \(operation.label)")
            }
        }
        if hasBody {
            guard !operation.bodyTypes.isEmpty else { return (.badRequest, "\(operation.label) takes no request body") }
            let type = head.headers.first(name: "content-type").map(Self.mediaType) ?? ""
            guard operation.bodyTypes.contains(where: { Self.mediaType(type, matches: $0) }) else {
                return (.unsupportedMediaType, "\(operation.label) accepts \(operation.bodyTypes.joined(separator: ", "))")
            }
        } else if operation.bodyRequired {
            return (.badRequest, "\(operation.label) requires a request body")
        }
        return nil
    }

    /// Checks a complete JSON request body.
    func checkBody(_ operation: Operation, _ body: ByteBufferView) -> String? {
        guard let schema = operation.bodySchema else { return nil }
        guard let value = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) else { return "the request body is not valid JSON" }
        return schema.problem(value, at: "body").map { "request \($0)" }
    }

    /// The schema a JSON answer with this status must follow, if the operation documents one.
    func responseSchema(_ operation: Operation, status: Int) -> SchemaValidator? {
        operation.responses[String(status)] ?? operation.responses["\(status / 100)XX"] ?? operation.responses["DEFAULT"]
    }

    // MARK: Pieces

    /// A parameter's text as the type its schema asks for, so `?limit=10` validates as an integer.
    static func typed(_ text: String, as schema: SchemaValidator?) -> Any {
        guard let types = schema?.types else { return text }
        if types.contains("integer"), let value = Int(text) { return NSNumber(value: value) }
        if types.contains("number"), let value = Double(text), value.isFinite { return NSNumber(value: value) }
        if types.contains("boolean"), text == "true" || text == "false" { return NSNumber(value: text == "true") }
        return text
    }

    static func query(_ uri: String) -> [(name: String, value: String)] {
        guard let mark = uri.firstIndex(of: "?") else { return [] }
        return uri[uri.index(after: mark)...].split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text) }
            let name = decode(parts[0])
            return name.isEmpty ? nil : (name, parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    static func cookies(_ headers: RawHeaders) -> [(name: String, value: String)] {
        headers[name: "cookie"].flatMap { $0.split(separator: ";") }.compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            return (String(parts[0].trimmingSpaces), String(parts[1].trimmingSpaces))
        }
    }

    /// `Application/JSON; charset=utf-8` → `application/json`. On every request of a checked route, so no Foundation
    /// trimming (whose character sets cost more than the whole check).
    static func mediaType(_ contentType: String) -> String {
        // The common case, `application/json` as it is, costs one scan.
        if !contentType.utf8.contains(where: { $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: " ") || ($0 >= 65 && $0 <= 90) }) { return contentType }
        let type = String(contentType.prefix { $0 != ";" }.trimmingSpaces)
        return type.utf8.contains { $0 >= 65 && $0 <= 90 } ? type.lowercased() : type
    }

    /// `application/json` matches `application/json`, `application/*` and `*/*`.
    static func mediaType(_ type: String, matches declared: String) -> Bool {
        if declared == "*/*" || declared == type { return true }
        if declared.hasSuffix("/*") { return type.hasPrefix(declared.dropLast()) }
        return false
    }

    static func isJSON(_ mediaType: String) -> Bool {
        let type = mediaType.lowercased()
        return type == "application/json" || type.hasSuffix("+json") || type == "*/*" || type == "application/*"
    }

    /// A fixed word, or a parameter (a segment with `{…}`) and its name.
    private static func segment(_ text: Substring) -> (literal: String?, name: String) {
        text.contains("{") ? (nil, String(text.filter { $0 != "{" && $0 != "}" })) : (String(text), "")
    }

    static func basePath(of server: String) -> String {
        var rest = Substring(server)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...].drop { $0 != "/" } }
        let path = rest.prefix { $0 != "?" && $0 != "#" }
        return path.hasSuffix("/") ? String(path.dropLast()) : String(path)
    }
}
