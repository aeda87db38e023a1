/// A count per tumbling window, with an exponentially weighted moving average of past windows as its baseline.
struct WindowedCount {
    var window = Int.min
    var count = 0
    var baseline = 0.0
    /// Windows folded into the baseline (windows with nothing in them count, as zeros).
    var windows = 0
    var alerted = false

    /// Moves to `window`, folding the finished windows into the baseline.
    mutating func enter(_ window: Int, smoothing: Double) {
        guard window != self.window else { return }
        if self.window != Int.min {
            fold(Double(count), smoothing: smoothing)
            for _ in 0..<min(max(0, window - self.window - 1), 64) { fold(0, smoothing: smoothing) }
        }
        self.window = window
        count = 0
        alerted = false
    }

    private mutating func fold(_ value: Double, smoothing: Double) {
        baseline = windows == 0 ? value : smoothing * value + (1 - smoothing) * baseline
        windows += 1
    }
}

/// Something the detectors watch over windows; each detector is one small type.
protocol Detector {
    mutating func observe(_ event: RequestEvent, window: Int, settings: DetectionSettings, alerts: inout [Alert])
    /// Forgets actors not seen since `window` (memory stays bounded however many clients come and go).
    mutating func forget(before window: Int)
}

extension Alert {
    init(_ detector: String, _ event: RequestEvent, subject: String, message: String, count: Int, threshold: Int, baseline: Double?, settings: DetectionSettings) {
        self.init(detector: detector, time: event.time, subject: subject, operation: event.operation, message: message, count: count, threshold: threshold,
                  baseline: baseline, windowSeconds: Int(settings.window), client: event.client, identity: event.identity)
    }
}

/// BOLA exploitation: one actor reading unusually many distinct objects of one operation.
struct EnumerationDetector: Detector {
    private var touched: [String: (window: Int, ids: Set<String>, alerted: Bool)] = [:]
    /// Per operation: the usual number of distinct objects an actor touches in a window.
    private var usual: [String: WindowedCount] = [:]

    mutating func observe(_ event: RequestEvent, window: Int, settings: DetectionSettings, alerts: inout [Alert]) {
        guard let id = event.objectIDs.last, event.status < 500 else { return }
        let key = event.actor + "\u{1F}" + event.operation
        var entry = touched[key] ?? (window, [], false)
        if entry.window != window {
            learn(entry.ids.count, operation: event.operation, smoothing: settings.smoothing)
            entry = (window, [], false)
        }
        let baseline = usual[event.operation]?.baseline ?? 0
        let threshold = max(settings.enumerationMinimum, Int(settings.enumerationFactor * baseline))
        if entry.ids.count <= threshold { entry.ids.insert(id) }
        if entry.ids.count > threshold && !entry.alerted {
            entry.alerted = true
            alerts.append(Alert("enumeration", event, subject: event.actor,
                                message: "\(event.actor) touched \(entry.ids.count) distinct objects of \(event.operation) in one window (usual: \(String(format: "%.1f", baseline)))",
                                count: entry.ids.count, threshold: threshold, baseline: baseline, settings: settings))
        }
        touched[key] = entry
    }

    /// Each finished actor-window is one sample of the operation's usual count.
    private mutating func learn(_ distinct: Int, operation: String, smoothing: Double) {
        guard distinct > 0 else { return }
        var usual = self.usual[operation] ?? WindowedCount()
        usual.baseline = usual.windows == 0 ? Double(distinct) : smoothing * Double(distinct) + (1 - smoothing) * usual.baseline
        usual.windows += 1
        self.usual[operation] = usual
    }

    mutating func forget(before window: Int) {
        touched = touched.filter { $0.value.window >= window }
    }

    var tracked: Int { touched.count }
}

/// Brute force (many failures from one client, or against one username) and credential stuffing (many usernames from one client).
struct AuthenticationFailureDetector: Detector {
    private var byClient: [String: WindowedCount] = [:]
    private var byUsername: [String: WindowedCount] = [:]
    private var usernames: [String: (window: Int, names: Set<String>, alerted: Bool)] = [:]

    mutating func observe(_ event: RequestEvent, window: Int, settings: DetectionSettings, alerts: inout [Alert]) {
        guard event.authenticationFailed else { return }
        var client = byClient[event.client] ?? WindowedCount()
        client.enter(window, smoothing: settings.smoothing)
        client.count += 1
        if client.count >= settings.failuresPerClient && !client.alerted {
            client.alerted = true
            alerts.append(Alert("brute-force", event, subject: "client \(event.client)",
                                message: "\(client.count) failed authentications from \(event.client) in one window",
                                count: client.count, threshold: settings.failuresPerClient, baseline: nil, settings: settings))
        }
        byClient[event.client] = client
        guard let username = event.username?.lowercased() else { return }
        var target = byUsername[username] ?? WindowedCount()
        target.enter(window, smoothing: settings.smoothing)
        target.count += 1
        if target.count >= settings.failuresPerUsername && !target.alerted {
            target.alerted = true
            alerts.append(Alert("brute-force", event, subject: "username \(username)",
                                message: "\(target.count) failed logins for one username in one window (latest from \(event.client))",
                                count: target.count, threshold: settings.failuresPerUsername, baseline: nil, settings: settings))
        }
        byUsername[username] = target
        var tried = usernames[event.client] ?? (window, [], false)
        if tried.window != window { tried = (window, [], false) }
        if tried.names.count <= settings.usernamesPerClient { tried.names.insert(username) }
        if tried.names.count >= settings.usernamesPerClient && !tried.alerted {
            tried.alerted = true
            alerts.append(Alert("credential-stuffing", event, subject: "client \(event.client)",
                                message: "failed logins for \(tried.names.count) different usernames from \(event.client) in one window",
                                count: tried.names.count, threshold: settings.usernamesPerClient, baseline: nil, settings: settings))
        }
        usernames[event.client] = tried
    }

    mutating func forget(before window: Int) {
        byClient = byClient.filter { $0.value.window >= window }
        byUsername = byUsername.filter { $0.value.window >= window }
        usernames = usernames.filter { $0.value.window >= window }
    }

    var tracked: Int { byClient.count + byUsername.count + usernames.count }
}

/// Volume and error spikes, per operation and per identity, against their own moving averages.
struct SpikeDetector: Detector {
    private var operations: [String: (volume: WindowedCount, errors: WindowedCount)] = [:]
    private var identities: [String: (volume: WindowedCount, errors: WindowedCount)] = [:]

    mutating func observe(_ event: RequestEvent, window: Int, settings: DetectionSettings, alerts: inout [Alert]) {
        let isError = event.status >= 500 || event.status == 400 || event.status == 422
        var operation = operations[event.operation] ?? (WindowedCount(), WindowedCount())
        Self.count(&operation, "operation " + event.operation, event, window: window, settings: settings, isError: isError,
                   measured: operation.volume.windows >= settings.warmupWindows, alerts: &alerts)
        operations[event.operation] = operation
        if let identity = event.identity {
            // An identity is measured from its first window (a new token sending hundreds of requests a minute is news).
            var counts = identities[identity] ?? (WindowedCount(), WindowedCount())
            Self.count(&counts, "identity " + identity, event, window: window, settings: settings, isError: isError, measured: true, alerts: &alerts)
            identities[identity] = counts
        }
    }

    private static func count(_ counts: inout (volume: WindowedCount, errors: WindowedCount), _ subject: @autoclosure () -> String, _ event: RequestEvent,
                              window: Int, settings: DetectionSettings, isError: Bool, measured: Bool, alerts: inout [Alert]) {
        check(&counts.volume, subject, event, window: window, settings: settings, minimum: settings.volumeMinimum, detector: "volume-spike", what: "requests",
              measured: measured, alerts: &alerts)
        // Error windows advance with every request, so quiet windows count as zero errors.
        counts.errors.enter(window, smoothing: settings.smoothing)
        if isError {
            check(&counts.errors, subject, event, window: window, settings: settings, minimum: settings.errorMinimum, detector: "error-spike", what: "errors",
                  measured: measured, alerts: &alerts)
        }
    }

    private static func check(_ counter: inout WindowedCount, _ subject: () -> String, _ event: RequestEvent, window: Int, settings: DetectionSettings,
                              minimum: Int, detector: String, what: String, measured: Bool, alerts: inout [Alert]) {
        counter.enter(window, smoothing: settings.smoothing)
        counter.count += 1
        guard measured, !counter.alerted else { return }
        let threshold = max(minimum, Int(settings.spikeFactor * counter.baseline))
        guard counter.count >= threshold else { return }
        counter.alerted = true
        let key = subject()
        alerts.append(Alert(detector, event, subject: key,
                            message: "\(counter.count) \(what) for \(key) in one window, against a usual \(String(format: "%.1f", counter.baseline))",
                            count: counter.count, threshold: threshold, baseline: counter.baseline, settings: settings))
    }

    mutating func forget(before window: Int) {
        // Operations keep their baselines; identities long gone are forgotten.
        identities = identities.filter { $0.value.volume.window >= window }
    }
}

/// An operation answered for the first time after the learning period: traffic no one has seen before.
struct NewOperationDetector: Detector {
    private var seen: Set<String> = []
    private var firstTime: Double?
    /// Past this many operations nothing more is learned (paths full of random words cannot grow memory without end).
    static let limit = 10_000

    mutating func observe(_ event: RequestEvent, window: Int, settings: DetectionSettings, alerts: inout [Alert]) {
        // Only answered operations: a 404 is not an operation, and probes for them are the scanner detectors' business.
        let start = firstTime ?? event.time
        firstTime = start
        guard settings.newOperations, event.status < 400 || event.status == 401 || event.status == 403, !seen.contains(event.operation),
              seen.count < Self.limit else { return }
        seen.insert(event.operation)
        if event.time - start >= settings.learning {
            alerts.append(Alert("new-operation", event, subject: "operation \(event.operation)",
                                message: "\(event.operation) answered for the first time since the gateway learned its traffic (\(Int(settings.learning)) s); first caller \(event.actor)",
                                count: 1, threshold: 1, baseline: nil, settings: settings))
        }
    }

    mutating func forget(before window: Int) {}
}

/// Scraping: an actor walking ids in sequence, or asking for pages far larger than clients need.
struct ScrapingDetector: Detector {
    private var walks: [String: (window: Int, last: Int, run: Int, alerted: Bool)] = [:]
    private var pages: [String: (window: Int, alerted: Bool)] = [:]

    mutating func observe(_ event: RequestEvent, window: Int, settings: DetectionSettings, alerts: inout [Alert]) {
        if let size = event.pageSize, size > settings.maximumPageSize {
            var page = pages[event.actor] ?? (window, false)
            if page.window != window { page = (window, false) }
            if !page.alerted {
                page.alerted = true
                alerts.append(Alert("scraping", event, subject: event.actor, message: "\(event.actor) asked \(event.operation) for pages of \(size) items",
                                    count: size, threshold: settings.maximumPageSize, baseline: nil, settings: settings))
            }
            pages[event.actor] = page
        }
        guard let text = event.objectIDs.last, let id = Int(text) else { return }
        let key = event.actor + "\u{1F}" + event.operation
        var walk = walks[key] ?? (window, id, 0, false)
        if walk.window != window { walk.alerted = false }
        walk.window = window
        walk.run = abs(id - walk.last) == 1 ? walk.run + 1 : (id == walk.last ? walk.run : 0)
        walk.last = id
        if walk.run + 1 >= settings.sequentialRun && !walk.alerted {
            walk.alerted = true
            alerts.append(Alert("scraping", event, subject: event.actor,
                                message: "\(event.actor) walked \(walk.run + 1) consecutive ids of \(event.operation)",
                                count: walk.run + 1, threshold: settings.sequentialRun, baseline: nil, settings: settings))
        }
        walks[key] = walk
    }

    mutating func forget(before window: Int) {
        walks = walks.filter { $0.value.window >= window }
        pages = pages.filter { $0.value.window >= window }
    }

    var tracked: Int { walks.count + pages.count }
}
