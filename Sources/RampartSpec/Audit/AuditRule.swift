import RampartCore

/// One spec audit rule: metadata plus a check over the typed description.
/// Shaped like swift-certificates' `VerifierPolicy`: small, single-purpose, composed by `Auditor`.
public protocol AuditRule: Sendable {
    static var metadata: RuleMetadata { get }
    init()
    func check(_ api: APIDescription, _ hits: inout [RuleHit])
}

/// A place a rule objects to, before it becomes a `Finding`.
public struct RuleHit {
    public var cursor: Cursor
    public var message: String
    public var confidence: Confidence

    public init(cursor: Cursor, message: String, confidence: Confidence = .certain) {
        self.cursor = cursor
        self.message = message
        self.confidence = confidence
    }
}

extension Array where Element == RuleHit {
    mutating func flag(_ cursor: Cursor, _ message: String, confidence: Confidence = .certain) {
        append(RuleHit(cursor: cursor, message: message, confidence: confidence))
    }
}
