import Foundation
import RampartSpec

/// `detection:` in the gateway's configuration (docs/detection.md): detectors over tumbling windows, baselines
/// learned from the traffic, and what happens on an alert.
public struct DetectionSettings: Sendable, Equatable {
    /// Seconds per window; counts start again in each.
    public var window = 60.0
    /// Seconds of traffic that teach the gateway which operations exist before a new one is an alert.
    public var learning = 600.0
    /// Weight of the newest window in the moving averages (EWMA).
    public var smoothing = 0.3
    /// Windows a baseline needs before a spike can be measured against it.
    public var warmupWindows = 3

    /// One identity touching more distinct object ids of one operation than this in a window (and more than `factor` × the usual).
    public var enumerationMinimum = 30
    public var enumerationFactor = 10.0
    /// Authentication failures in a window: from one client, against one username; usernames tried from one client.
    public var failuresPerClient = 20
    public var failuresPerUsername = 10
    public var usernamesPerClient = 6
    /// Requests (or errors) in a window above `spikeFactor` × the baseline, and at least the minimum.
    public var spikeFactor = 5.0
    public var volumeMinimum = 200
    public var errorMinimum = 30
    public var newOperations = true
    /// Consecutive ids (n, n+1, n+2…) walked by one identity on one operation.
    public var sequentialRun = 25
    /// A page size asked for above this (`limit`, `page_size`, `per_page`, `size`, `count`).
    public var maximumPageSize = 500

    /// POST each alert here (JSON), retried, from a bounded queue.
    public var webhook: Webhook?
    /// Seconds an alert's client or identity is refused afterwards; nil: alerts only.
    public var blockSeconds: Double?

    public struct Webhook: Sendable, Equatable {
        public var url: String
        public var timeout = 5.0
        public var retries = 3
        public var queue = 1_000
    }

    public init() {}
}

extension GatewayConfiguration {
    static func detection(_ cursor: Cursor) throws(SpecError) -> DetectionSettings {
        try checkKeys(cursor, ["window", "learning", "smoothing", "warmup_windows", "enumeration", "authentication", "spikes", "new_operations", "scraping",
                               "webhook", "block"], in: "'detection'")
        var settings = DetectionSettings()
        func count(_ parent: Cursor?, _ key: String, _ what: String) throws(SpecError) -> Int? {
            try parent?[key].map { cursor throws(SpecError) in try integer(cursor, "'\(what).\(key)'", in: 1...1_000_000_000) }
        }
        if let window = cursor["window"] { settings.window = try number(window, "'detection.window'", in: 1...86_400) }
        if let learning = cursor["learning"] { settings.learning = try number(learning, "'detection.learning'", in: 0...31_536_000) }
        if let smoothing = cursor["smoothing"] {
            settings.smoothing = try number(smoothing, "'detection.smoothing'", in: 0.01...1)
        }
        if let warmup = cursor["warmup_windows"] { settings.warmupWindows = try integer(warmup, "'detection.warmup_windows'", in: 1...10_000) }
        if let enumeration = cursor["enumeration"] {
            try checkKeys(enumeration, ["minimum", "factor"], in: "'detection.enumeration'")
            settings.enumerationMinimum = try count(enumeration, "minimum", "enumeration") ?? settings.enumerationMinimum
            if let factor = enumeration["factor"] { settings.enumerationFactor = try number(factor, "'enumeration.factor'", in: 1...1_000_000) }
        }
        if let authentication = cursor["authentication"] {
            try checkKeys(authentication, ["per_client", "per_username", "usernames_per_client"], in: "'detection.authentication'")
            settings.failuresPerClient = try count(authentication, "per_client", "authentication") ?? settings.failuresPerClient
            settings.failuresPerUsername = try count(authentication, "per_username", "authentication") ?? settings.failuresPerUsername
            settings.usernamesPerClient = try count(authentication, "usernames_per_client", "authentication") ?? settings.usernamesPerClient
        }
        if let spikes = cursor["spikes"] {
            try checkKeys(spikes, ["factor", "volume_minimum", "error_minimum"], in: "'detection.spikes'")
            if let factor = spikes["factor"] { settings.spikeFactor = try number(factor, "'spikes.factor'", in: 1...1_000_000) }
            settings.volumeMinimum = try count(spikes, "volume_minimum", "spikes") ?? settings.volumeMinimum
            settings.errorMinimum = try count(spikes, "error_minimum", "spikes") ?? settings.errorMinimum
        }
        if let newOperations = cursor["new_operations"] {
            guard let flag = newOperations.node.bool else { throw newOperations.error("'detection.new_operations' must be true or false") }
            settings.newOperations = flag
        }
        if let scraping = cursor["scraping"] {
            try checkKeys(scraping, ["sequential", "page_size"], in: "'detection.scraping'")
            settings.sequentialRun = try count(scraping, "sequential", "scraping") ?? settings.sequentialRun
            settings.maximumPageSize = try count(scraping, "page_size", "scraping") ?? settings.maximumPageSize
        }
        if let webhook = cursor["webhook"] {
            try checkKeys(webhook, ["url", "timeout", "retries", "queue"], in: "'detection.webhook'")
            let url = try webhook.requiredString("url")
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
                throw webhook["url"]!.error("'detection.webhook.url' must be an http or https URL")
            }
            var hook = DetectionSettings.Webhook(url: url)
            if let timeout = webhook["timeout"] { hook.timeout = try number(timeout, "'webhook.timeout'", in: 0.1...300) }
            if let retries = webhook["retries"] { hook.retries = try integer(retries, "'webhook.retries'", in: 0...100) }
            hook.queue = try count(webhook, "queue", "webhook") ?? hook.queue
            settings.webhook = hook
        }
        if let block = cursor["block"] {
            try checkKeys(block, ["seconds"], in: "'detection.block'")
            settings.blockSeconds = try number(block["seconds"] ?? block, "'detection.block.seconds'", in: 1...31_536_000)
        }
        return settings
    }
}
