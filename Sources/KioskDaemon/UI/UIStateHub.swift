import Foundation
import KioskCore
import KioskDevices
import KioskHTTP

/// The screen state the touch UI serves, kept current from the flow runner's UI feed (docs/ui-api.md): each change
/// gets the next version and goes to every open stream, after the notices it came with.
///
/// Threads: the feed is read by `follow` on the concurrency pool; HTTP connection threads read the state, open
/// streams and wait for the feed to catch up with an event they sent. Everything is behind one lock.
final class UIStateHub: @unchecked Sendable {
    private let condition = NSCondition()
    private let terminal: Terminal
    private let inhibitions: InhibitionSwitch
    private let clock: @Sendable () -> Date
    private let heartbeat: Duration
    private var view: FlowRunner.UIView
    private var memory = UIMemory()
    private var current: ScreenState
    private var streams: [ObjectIdentifier: UIEventSource] = [:]
    private var finished = false

    init(
        terminal: Terminal, inhibitions: InhibitionSwitch, maximumCardAttempts: Int, heartbeat: Duration,
        clock: @escaping @Sendable () -> Date
    ) {
        self.terminal = terminal
        self.inhibitions = inhibitions
        self.clock = clock
        self.heartbeat = heartbeat
        view = FlowRunner.UIView(
            state: .idle, revision: -1, stepDeadline: nil, lastTicket: nil, lastEnded: nil,
            maximumCardAttempts: maximumCardAttempts)
        current = ScreenProjection.project(view, memory: memory, outOfService: nil)
        current.version = 1
    }

    // MARK: Following the flow

    /// Reads the runner's UI feed until the runner stops (or the task is cancelled), and looks at the devices and
    /// the inhibition every second (a device down since start-up never shows in the flow's events).
    func follow(_ runner: FlowRunner) async {
        let feed = await runner.uiFeed()
        absorb(await runner.uiView)
        let ticker = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                self?.refresh()
            }
        }
        defer { ticker.cancel() }
        for await item in feed {
            switch item {
            case .event(let event): absorb(event)
            case .view(let view): absorb(view)
            }
        }
        finish()
    }

    func absorb(_ view: FlowRunner.UIView) {
        condition.withLock {
            guard view.revision >= self.view.revision else { return }
            self.view = view
            memory.absorb(view)
            publish([])
            condition.broadcast()
        }
    }

    func absorb(_ event: UIEvent) {
        condition.withLock {
            let notice = memory.absorb(event, at: clock())
            publish(notice.map { [$0] } ?? [])
        }
    }

    /// Waits until the feed has brought the view of revision `revision` (or a later one); false at `timeout`.
    func waitForFeed(revision: Int, timeout: Duration) -> Bool {
        let end = Date().addingTimeInterval(Double(timeout.components.seconds) + 0.5)
        return condition.withLock {
            while view.revision < revision {
                if finished || !condition.wait(until: end) { return view.revision >= revision }
            }
            return true
        }
    }

    // MARK: What the page, staff and devices add

    /// The citizen's grade was taken by the flow.
    func rated(_ grade: Int) {
        condition.withLock {
            memory.ratedGrade = grade
            publish([])
        }
    }

    /// The reader saw a card (before it is read).
    func cardDetected() {
        condition.withLock {
            let notice = UINotice(.cardDetected)
            memory.heard(notice)
            publish([notice])
        }
    }

    /// Looks at the devices and the inhibition again.
    func refresh() {
        condition.withLock { publish([]) }
    }

    /// How many refusals the flow reported so far, and the latest one's issues.
    var refusals: (count: Int, last: [UIIssue]) { condition.withLock { (memory.refusals, memory.lastRefusal) } }

    var outOfService: ScreenState.OutOfService? { condition.withLock { current.outOfService } }

    /// The step on screen and its transaction (what the live preview is allowed in).
    var step: (name: FlowStepName, transactionID: String?) {
        condition.withLock { (current.step, current.transactionID) }
    }

    // MARK: State and streams

    /// The screen state now.
    func state() -> ScreenState { condition.withLock { current.at(clock()) } }

    /// A new stream, beginning with the full state.
    func openStream() -> UIEventSource {
        condition.withLock {
            let source = UIEventSource(heartbeat: heartbeat) { [weak self] closed in self?.closed(closed) }
            source.enqueue(Array(("retry: 1000\n" + Self.stateEvent(current.at(clock()))).utf8))
            if finished {
                source.finish()
            } else {
                streams[ObjectIdentifier(source)] = source
            }
            return source
        }
    }

    var openStreams: Int { condition.withLock { streams.count } }

    private func closed(_ source: UIEventSource) {
        condition.withLock { _ = streams.removeValue(forKey: ObjectIdentifier(source)) }
    }

    /// The runner stopped: every stream ends after what it holds.
    private func finish() {
        let open = condition.withLock {
            finished = true
            condition.broadcast()
            return Array(streams.values)
        }
        for source in open { source.finish() }
    }

    /// Projects the state again; a change gets the next version and goes out after `notices`. Called with the lock.
    private func publish(_ notices: [UINotice]) {
        var notices = notices
        let outOfService = ScreenProjection.outOfService(
            lostDevices: view.state.lostDevices,
            health: Dictionary(
                uniqueKeysWithValues: terminal.requiredRoles.map { ($0, terminal.health(of: $0)) }),
            inhibition: inhibitions.inhibition, required: terminal.requiredRoles)
        var next = ScreenProjection.project(view, memory: memory, outOfService: outOfService)
        for (what, old, new) in [
            ("licence", current.progress.licence.rawValue, next.progress.licence.rawValue),
            ("receipt", current.progress.receipt.rawValue, next.progress.receipt.rawValue),
        ] where old != new && new != "pending" && next.transactionID == current.transactionID {
            let notice = UINotice(.printProgress, what: what, status: new)
            memory.heard(notice)
            notices.append(notice)
        }
        if !notices.isEmpty { next = ScreenProjection.project(view, memory: memory, outOfService: outOfService) }
        let changed = !next.sameScreen(as: current)
        guard changed || !notices.isEmpty else { return }
        if changed {
            next.version = current.version + 1
            current = next
        }
        var bytes = notices.map { "event: notice\ndata: \($0.json())\n\n" }.joined()
        if changed { bytes += Self.stateEvent(current.at(clock())) }
        let message = Array(bytes.utf8)
        for source in streams.values { source.enqueue(message) }
    }

    static func stateEvent(_ state: ScreenState) -> String {
        "id: \(state.version)\nevent: state\ndata: \(state.json())\n\n"
    }
}

/// One open `GET /ui/v1/stream`: the Server-Sent Events queued for it, sent by the HTTP server's connection thread.
/// A stream that falls far behind is closed (the page reconnects and gets the full state first).
final class UIEventSource: HTTPResponseStream, @unchecked Sendable {
    static let maximumQueued = 256

    private let condition = NSCondition()
    private var queued: [[UInt8]] = []
    private var ending = false
    private var closed = false
    private var lastSent = ContinuousClock.now
    private let heartbeat: Duration
    private let onClose: @Sendable (UIEventSource) -> Void

    init(heartbeat: Duration, onClose: @escaping @Sendable (UIEventSource) -> Void) {
        self.heartbeat = heartbeat
        self.onClose = onClose
    }

    func enqueue(_ bytes: [UInt8]) {
        condition.withLock {
            guard !ending else { return }
            if queued.count >= Self.maximumQueued {
                ending = true
                queued.removeAll()
            } else {
                queued.append(bytes)
            }
            condition.broadcast()
        }
    }

    /// Ends the stream once what is queued has been sent.
    func finish() {
        condition.withLock {
            ending = true
            condition.broadcast()
        }
    }

    func next(waitingAtMost timeout: Duration) -> HTTPStreamChunk {
        condition.withLock {
            let end = Date().addingTimeInterval(Self.seconds(timeout))
            while true {
                if !queued.isEmpty {
                    let bytes = queued.flatMap { $0 }
                    queued.removeAll()
                    lastSent = .now
                    return .bytes(bytes)
                }
                if ending || closed { return .end }
                let untilHeartbeat = lastSent + heartbeat - .now
                if untilHeartbeat <= .zero {
                    lastSent = .now
                    return .bytes(Array(": heartbeat\n\n".utf8))
                }
                let wake = min(end, Date().addingTimeInterval(Self.seconds(untilHeartbeat)))
                if !condition.wait(until: wake), Date() >= end { return .nothingYet }
            }
        }
    }

    func close() {
        let first = condition.withLock {
            defer { closed = true }
            condition.broadcast()
            return !closed
        }
        if first { onClose(self) }
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
