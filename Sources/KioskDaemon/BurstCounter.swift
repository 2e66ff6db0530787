/// Folds a burst of like events (refused connections, failed accepts) into one log line with a count, so that a
/// flood costs one line per `window` instead of one per event. The first event opens a window; events inside it are
/// counted; the window's summary is due once it has lasted `window`. Pure: the caller passes the time in.
struct BurstCounter: Sendable {
    /// What one window saw.
    struct Summary: Equatable, Sendable {
        let count: Int
        /// From the first event of the window to its last.
        let span: Duration
        /// What the last event said.
        let detail: String
    }

    let window: Duration
    private var opened: ContinuousClock.Instant?
    private var last: ContinuousClock.Instant?
    private var count = 0
    private var detail = ""

    init(window: Duration) { self.window = window }

    /// Counts one event at `now`. Returns the summary of the previous window if this event comes after it ended
    /// (this event then opens a new one).
    mutating func record(_ detail: String, at now: ContinuousClock.Instant) -> Summary? {
        let ended = due(at: now)
        if opened == nil { opened = now }
        last = now
        count += 1
        self.detail = detail
        return ended
    }

    /// The summary of the open window once it has lasted `window` by `now` (then it is closed); nil before, or when
    /// nothing happened.
    mutating func due(at now: ContinuousClock.Instant) -> Summary? {
        guard let opened, now - opened >= window else { return nil }
        return drain()
    }

    /// The summary of the open window whatever its age (at shutdown); nil when nothing happened.
    mutating func drain() -> Summary? {
        guard let opened, let last else { return nil }
        let summary = Summary(count: count, span: last - opened, detail: detail)
        self.opened = nil
        self.last = nil
        count = 0
        detail = ""
        return summary
    }
}
