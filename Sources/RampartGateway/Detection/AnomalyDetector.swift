import NIOConcurrencyHelpers

/// Runs every detector over the gateway's requests. Shared by the event loops, so its state sits behind one lock;
/// a request costs a few dictionary updates.
public final class AnomalyDetector: Sendable {
    public let settings: DetectionSettings
    private struct State {
        var enumeration = EnumerationDetector()
        var authentication = AuthenticationFailureDetector()
        var spikes = SpikeDetector()
        var newOperations = NewOperationDetector()
        var scraping = ScrapingDetector()
        var window = Int.min
        var alertsThisWindow = 0
    }
    private let state = NIOLockedValueBox(State())
    /// At most this many alerts per window, so an attack on many fronts cannot flood the log and the webhook.
    static let alertsPerWindow = 200
    /// Actors idle for this many windows are forgotten.
    static let memoryWindows = 10

    public init(settings: DetectionSettings) { self.settings = settings }

    /// Clients, usernames and actors held in memory now (what the memory bound is checked by).
    var trackedActors: Int { state.withLockedValue { $0.authentication.tracked + $0.enumeration.tracked + $0.scraping.tracked } }

    /// The alerts this request raises (usually none).
    public func observe(_ event: RequestEvent) -> [Alert] {
        let window = Int((event.time / settings.window).rounded(.down))
        return state.withLockedValue { state in
            if window != state.window {
                if window % Self.memoryWindows == 0 || state.window == Int.min {
                    let horizon = event.time - Double(Self.memoryWindows) * settings.window
                    state.enumeration.forget(before: horizon)
                    state.authentication.forget(before: horizon)
                    state.spikes.forget(before: horizon)
                    state.scraping.forget(before: horizon)
                }
                state.window = window
                state.alertsThisWindow = 0
            }
            var alerts: [Alert] = []
            state.enumeration.observe(event, settings: settings, alerts: &alerts)
            state.authentication.observe(event, settings: settings, alerts: &alerts)
            state.spikes.observe(event, settings: settings, alerts: &alerts)
            state.newOperations.observe(event, settings: settings, alerts: &alerts)
            state.scraping.observe(event, settings: settings, alerts: &alerts)
            guard !alerts.isEmpty else { return [] }
            let room = max(0, Self.alertsPerWindow - state.alertsThisWindow)
            state.alertsThisWindow += min(room, alerts.count)
            return Array(alerts.prefix(room))
        }
    }
}
