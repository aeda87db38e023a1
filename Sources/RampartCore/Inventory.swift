/// The operations of an API, whether they came from a spec or from traffic.
public struct Inventory: Codable, Hashable, Sendable {
    public var title: String
    public var version: String
    public var servers: [String]
    public var operations: [Operation]

    public init(title: String, version: String, servers: [String], operations: [Operation]) {
        self.title = title
        self.version = version
        self.servers = servers
        self.operations = operations
    }

    public struct Operation: Codable, Hashable, Sendable {
        public var method: String
        public var path: String
        public var operationId: String?
        public var parameters: [Parameter]
        public var requestContentTypes: [String]
        public var responseStatuses: [String]
        /// Alternatives of scheme names, any one of which suffices; an empty alternative means anonymous access is allowed.
        public var security: [[String]]
        public var deprecated: Bool

        public init(
            method: String, path: String, operationId: String? = nil, parameters: [Parameter] = [],
            requestContentTypes: [String] = [], responseStatuses: [String] = [],
            security: [[String]] = [], deprecated: Bool = false
        ) {
            self.method = method
            self.path = path
            self.operationId = operationId
            self.parameters = parameters
            self.requestContentTypes = requestContentTypes
            self.responseStatuses = responseStatuses
            self.security = security
            self.deprecated = deprecated
        }
    }

    public struct Parameter: Codable, Hashable, Sendable {
        public var name: String
        /// `path`, `query`, `header`, `cookie`.
        public var location: String
        public var required: Bool
        public var type: String?

        public init(name: String, location: String, required: Bool, type: String?) {
            self.name = name
            self.location = location
            self.required = required
            self.type = type
        }
    }
}
