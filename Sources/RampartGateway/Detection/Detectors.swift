/// Requests in the last `window` seconds, counted in six slices that slide along with time, and an exponentially
/// weighted moving average of the count per whole window as its baseline.
struct SlidingCount {
    static let slices = 6
    private var ring = [Int](repeating: 0, count: slices)
    private var slice = Int.min
    /// Requests in the last window (to within a sixth of it).
    private(set) var count = 0
    /// The EWMA of past whole windows' counts (windows without requests count, as zeros).
    private(set) var baseline = 0.0
    /// Whole windows folded into the baseline.
    private(set) var windows = 0
    private var tumbling = Int.min
    private var tumblingCount = 0
    /// No second alert for this count before then (one per window).
    var quietUntil = -Double.infinity

    /// When the last request was counted.
    private(set) var lastTime = -Double.infinity

    mutating func add(_ time: Double, settings: DetectionSettings) {
        advance(to: time, settings: settings)
        lastTime = max(lastTime, time)
        ring[slice % Self.slices] += 1
        count += 1
        tumblingCount += 1
    }

    /// Moves the window to `time`: slices that fell out are dropped, finished whole windows feed the baseline.
    mutating func advance(to time: Double, settings: DetectionSettings) {
        let now = Int((time * Double(Self.slices) / settings.window).rounded(.down))
        if slice == Int.min {
            slice = now
            tumbling = now / Self.slices
        }
        guard now > slice else { return }   // an event from the past counts in the current slice
        for step in 1...min(now - slice, Self.slices) {
            let index = (slice + step) % Self.slices
            count -= ring[index]
            ring[index] = 0
        }
        slice = now
        let window = now / Self.slices
        if window != tumbling {
            fold(Double(tumblingCount), smoothing: settings.smoothing)
            for _ in 0..<min(max(0, window - tumbling - 1), 64) { fold(0, smoothing: settings.smoothing) }
            tumbling = window
            tumblingCount = 0
        }
    }

    private mutating func fold(_ value: Double, smoothing: Double) {
        baseline = windows == 0 ? value : smoothing * value + (1 - smoothing) * baseline
        windows += 1
    }
}

/// Distinct values (object ids, usernames) seen in the last `window` seconds.
struct SlidingSet {
    private var lastSeen: [String: Double] = [:]
    var quietUntil = -Double.infinity
    private(set) var last = -Double.infinity

    /// Adds `value` at `time`; returns how many distinct values the last window holds (counted up to `cap`).
    mutating func add(_ value: String, at time: Double, window: Double, cap: Int) -> Int {
        last = max(last, time)
        if lastSeen[value] != nil || lastSeen.count <= cap { lastSeen[value] = time }
        if lastSeen.count > cap / 2 { lastSeen = lastSeen.filter { $0.value > time - window } }
        return lastSeen.count
    }

    /// Distinct values in the window ending at `time`.
    func count(at time: Double, window: Double) -> Int { lastSeen.values.count { $0 > time - window } }
}

/// Something the detectors watch over sliding windows; each detector is one small type.
protocol Detector {
    mutating func observe(_ event: RequestEvent, settings: DetectionSettings, alerts: inout [Alert])
    /// Forgets actors not seen since `time` (memory stays bounded however many clients come and go).
    mutating func forget(before time: Double)
}

extension Alert {
    init(_ detector: String, _ event: RequestEvent, subject: String, message: String, count: Int, threshold: Int, baseline: Double?, settings: DetectionSettings) {
        self.init(detector: detector, time: event.time, subject: subject, operation: event.operation, message: message, count: count, threshold: threshold,
                  baseline: baseline, windowSeconds: Int(settings.window), client: event.client, identity: event.identity)
    }
}

/// BOLA exploitation: one actor reading unusually many distinct objects of one operation.
struct EnumerationDetector: Detector {
    private var touched: [String: (ids: SlidingSet, window: Int)] = [:]
    /// Per operation: the usual number of distinct objects an actor touches in a window (EWMA over actor-windows).
    private var usual: [String: (mean: Double, samples: Int)] = [:]

    mutating func observe(_ event: RequestEvent, settings: DetectionSettings, alerts: inout [Alert]) {
        guard let id = event.objectIDs.last, event.status < 500 else { return }
        let key = event.actor + "\u{1F}" + event.operation
        let window = Int((event.time / settings.window).rounded(.down))
        // Taken out and put back, so its set is changed in place rather than copied (the dictionary would share it).
        var entry = touched.removeValue(forKey: key) ?? (SlidingSet(), window)
        if entry.window != window {
            // The actor's first request of a new window: what it touched in the last one is a sample of the usual.
            learn(entry.ids.count(at: event.time, window: settings.window), operation: event.operation, smoothing: settings.smoothing)
            entry.window = window
        }
        let baseline = usual[event.operation]?.mean ?? 0
        let threshold = max(settings.enumerationMinimum, Int(settings.enumerationFactor * baseline))
        let distinct = entry.ids.add(id, at: event.time, window: settings.window, cap: 4 * threshold)
        if distinct > threshold && event.time >= entry.ids.quietUntil {
            entry.ids.quietUntil = event.time + settings.window
            alerts.append(Alert("enumeration", event, subject: event.actor,
                                message: "\(event.actor) touched \(distinct) distinct objects of \(event.operation) within \(Int(settings.window)) s (usual: \(String(format: "%.1f", baseline)))",
                                count: distinct, threshold: threshold, baseline: baseline, settings: settings))
        }
        touched[key] = entry
    }

    private mutating func learn(_ distinct: Int, operation: String, smoothing: Double) {
        guard distinct > 0 else { return }
        let old = usual[operation] ?? (Double(distinct), 0)
        usual[operation] = (old.samples == 0 ? Double(distinct) : smoothing * Double(distinct) + (1 - smoothing) * old.mean, old.samples + 1)
    }

    mutating func forget(before time: Double) { touched = touched.filter { $0.value.ids.last >= time } }

    var tracked: Int { touched.count }
}

/// Brute force (many failures from one client, or against one username) and credential stuffing (many usernames from one client).
struct AuthenticationFailureDetector: Detector {
    private var byClient: [String: SlidingCount] = [:]
    private var byUsername: [String: SlidingCount] = [:]
    private var usernames: [String: SlidingSet] = [:]

    mutating func observe(_ event: RequestEvent, settings: DetectionSettings, alerts: inout [Alert]) {
        guard event.authenticationFailed else { return }
        var client = byClient.removeValue(forKey: event.client) ?? SlidingCount()
        client.add(event.time, settings: settings)
        if client.count >= settings.failuresPerClient && event.time >= client.quietUntil {
            client.quietUntil = event.time + settings.window
            alerts.append(Alert("brute-force", event, subject: "client \(event.client)",
                                message: "\(client.count) failed authentications from \(event.client) within \(Int(settings.window)) s",
                                count: client.count, threshold: settings.failuresPerClient, baseline: nil, settings: settings))
        }
        byClient[event.client] = client
        guard let username = event.username?.lowercased() else { return }
        var target = byUsername.removeValue(forKey: username) ?? SlidingCount()
        target.add(event.time, settings: settings)
        if target.count >= settings.failuresPerUsername && event.time >= target.quietUntil {
            target.quietUntil = event.time + settings.window
            alerts.append(Alert("brute-force", event, subject: "username \(username)",
                                message: "\(target.count) failed logins for one username within \(Int(settings.window)) s (latest from \(event.client))",
                                count: target.count, threshold: settings.failuresPerUsername, baseline: nil, settings: settings))
        }
        byUsername[username] = target
        var tried = usernames.removeValue(forKey: event.client) ?? SlidingSet()
        let distinct = tried.add(username, at: event.time, window: settings.window, cap: 4 * settings.usernamesPerClient)
        if distinct >= settings.usernamesPerClient && event.time >= tried.quietUntil {
            tried.quietUntil = event.time + settings.window
            alerts.append(Alert("credential-stuffing", event, subject: "client \(event.client)",
                                message: "failed logins for \(distinct) different usernames from \(event.client) within \(Int(settings.window)) s",
                                count: distinct, threshold: settings.usernamesPerClient, baseline: nil, settings: settings))
        }
        usernames[event.client] = tried
    }

    mutating func forget(before time: Double) {
        byClient = byClient.filter { $0.value.lastTime >= time }
        byUsername = byUsername.filter { $0.value.lastTime >= time }
        usernames = usernames.filter { $0.value.last >= time }
    }

    var tracked: Int { byClient.count + byUsername.count + usernames.count }
}

/// Volume and error spikes, per operation and per identity, against their own moving averages.
struct SpikeDetector: Detector {
    private var operations: [String: (volume: SlidingCount, errors: SlidingCount)] = [:]
    private var identities: [String: (volume: SlidingCount, errors: SlidingCount)] = [:]

    mutating func observe(_ event: RequestEvent, settings: DetectionSettings, alerts: inout [Alert]) {
        let isError = event.status >= 500 || event.status == 400 || event.status == 422
        // Taken out and put back, so their rings are changed in place rather than copied (the dictionary would share them).
        var operation = operations.removeValue(forKey: event.operation) ?? (SlidingCount(), SlidingCount())
        Self.count(&operation, "operation " + event.operation, event, settings: settings, isError: isError,
                   measured: operation.volume.windows >= settings.warmupWindows, alerts: &alerts)
        operations[event.operation] = operation
        if let identity = event.identity {
            // An identity is measured from its first window (a new token sending hundreds of requests a minute is news).
            var counts = identities.removeValue(forKey: identity) ?? (SlidingCount(), SlidingCount())
            Self.count(&counts, "identity " + identity, event, settings: settings, isError: isError, measured: true, alerts: &alerts)
            identities[identity] = counts
        }
    }

    private static func count(_ counts: inout (volume: SlidingCount, errors: SlidingCount), _ subject: @autoclosure () -> String, _ event: RequestEvent,
                              settings: DetectionSettings, isError: Bool, measured: Bool, alerts: inout [Alert]) {
        counts.volume.add(event.time, settings: settings)
        check(&counts.volume, subject, event, settings: settings, minimum: settings.volumeMinimum, detector: "volume-spike", what: "requests",
              measured: measured, alerts: &alerts)
        // Error windows slide with every request, so quiet stretches count as zero errors.
        if isError {
            counts.errors.add(event.time, settings: settings)
            check(&counts.errors, subject, event, settings: settings, minimum: settings.errorMinimum, detector: "error-spike", what: "errors",
                  measured: measured, alerts: &alerts)
        } else {
            counts.errors.advance(to: event.time, settings: settings)
        }
    }

    private static func check(_ counter: inout SlidingCount, _ subject: () -> String, _ event: RequestEvent, settings: DetectionSettings,
                              minimum: Int, detector: String, what: String, measured: Bool, alerts: inout [Alert]) {
        guard measured, event.time >= counter.quietUntil else { return }
        let threshold = max(minimum, Int(settings.spikeFactor * counter.baseline))
        guard counter.count >= threshold else { return }
        counter.quietUntil = event.time + settings.window
        let key = subject()
        alerts.append(Alert(detector, event, subject: key,
                            message: "\(counter.count) \(what) for \(key) within \(Int(settings.window)) s, against a usual \(String(format: "%.1f", counter.baseline))",
                            count: counter.count, threshold: threshold, baseline: counter.baseline, settings: settings))
    }

    mutating func forget(before time: Double) {
        // Operations keep their baselines; identities long gone are forgotten.
        identities = identities.filter { $0.value.volume.lastTime >= time }
    }
}

/// An operation answered for the first time after the learning period: traffic no one has seen before.
struct NewOperationDetector: Detector {
    private var seen: Set<String> = []
    private var firstTime: Double?
    /// Past this many operations nothing more is learned (paths full of random words cannot grow memory without end).
    static let limit = 10_000

    mutating func observe(_ event: RequestEvent, settings: DetectionSettings, alerts: inout [Alert]) {
        let start = firstTime ?? event.time
        firstTime = start
        // Only answered operations: a 404 is not an operation, and probes for them are the scanner detectors' business.
        guard settings.newOperations, event.status < 400 || event.status == 401 || event.status == 403, !seen.contains(event.operation),
              seen.count < Self.limit else { return }
        seen.insert(event.operation)
        if event.time - start >= settings.learning {
            alerts.append(Alert("new-operation", event, subject: "operation \(event.operation)",
                                message: "\(event.operation) answered for the first time since the gateway learned its traffic (\(Int(settings.learning)) s); first caller \(event.actor)",
                                count: 1, threshold: 1, baseline: nil, settings: settings))
        }
    }

    mutating func forget(before time: Double) {}
}

/// Scraping: an actor walking ids in sequence, or asking for pages far larger than clients need.
struct ScrapingDetector: Detector {
    private var walks: [String: (last: Int, run: Int, time: Double, quietUntil: Double)] = [:]
    private var pages: [String: Double] = [:]

    mutating func observe(_ event: RequestEvent, settings: DetectionSettings, alerts: inout [Alert]) {
        if let size = event.pageSize, size > settings.maximumPageSize, event.time >= pages[event.actor] ?? -.infinity {
            pages[event.actor] = event.time + settings.window
            alerts.append(Alert("scraping", event, subject: event.actor, message: "\(event.actor) asked \(event.operation) for pages of \(size) items",
                                count: size, threshold: settings.maximumPageSize, baseline: nil, settings: settings))
        }
        guard let text = event.objectIDs.last, let id = Int(text) else { return }
        let key = event.actor + "\u{1F}" + event.operation
        var walk = walks[key] ?? (id, 0, event.time, -.infinity)
        // A walk continues while each next id is one away and comes within a window of the last.
        let continues = abs(id - walk.last) == 1 && event.time - walk.time <= settings.window
        walk.run = continues ? walk.run + 1 : (id == walk.last ? walk.run : 0)
        walk.last = id
        walk.time = event.time
        if walk.run + 1 >= settings.sequentialRun && event.time >= walk.quietUntil {
            walk.quietUntil = event.time + settings.window
            alerts.append(Alert("scraping", event, subject: event.actor,
                                message: "\(event.actor) walked \(walk.run + 1) consecutive ids of \(event.operation)",
                                count: walk.run + 1, threshold: settings.sequentialRun, baseline: nil, settings: settings))
        }
        walks[key] = walk
    }

    mutating func forget(before time: Double) {
        walks = walks.filter { $0.value.time >= time }
        pages = pages.filter { $0.value >= time }
    }

    var tracked: Int { walks.count + pages.count }
}
