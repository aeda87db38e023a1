import Foundation

/// What a detector saw: enough evidence to act on without reading logs.
public struct Alert: Sendable, Equatable, Codable {
    /// `enumeration`, `brute-force`, `credential-stuffing`, `volume-spike`, `error-spike`, `new-operation`, `scraping`.
    public var detector: String
    /// Seconds since 1970.
    public var time: Double
    /// Who: `identity jwt:alice`, `client 203.0.113.9`, `username alice@bank.lab`, `operation GET /x`.
    public var subject: String
    public var operation: String?
    public var message: String
    /// The count that crossed the line, the line, and the learned baseline it was compared with (if any).
    public var count: Int
    public var threshold: Int
    public var baseline: Double?
    public var windowSeconds: Int
    /// The client address and identity of the request that raised it (what a block applies to).
    public var client: String
    public var identity: String?
}

/// One request as the detectors see it.
public struct RequestEvent: Sendable {
    public var time: Double
    public var client: String
    public var identity: String?
    /// `GET /accounts/{id}`: the documented operation, else the route's template, else the path with its values blanked.
    public var operation: String
    /// The values of the path's parameters (object ids).
    public var objectIDs: [String]
    public var status: Int
    /// A refused credential: 401, or a 4xx from a login operation.
    public var authenticationFailed: Bool
    /// The username a login attempt named.
    public var username: String?
    /// The page size the request asked for, if any.
    public var pageSize: Int?

    public init(time: Double, client: String, identity: String?, operation: String, objectIDs: [String] = [], status: Int,
                authenticationFailed: Bool = false, username: String? = nil, pageSize: Int? = nil) {
        self.time = time
        self.client = client
        self.identity = identity
        self.operation = operation
        self.objectIDs = objectIDs
        self.status = status
        self.authenticationFailed = authenticationFailed
        self.username = username
        self.pageSize = pageSize
    }

    /// Who is acting: the identity when there is one, else the client address.
    var actor: String { identity.map { "identity " + $0 } ?? "client " + client }
}
