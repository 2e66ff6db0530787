import Foundation
import KioskCore
import KioskHTTP
import KioskIO
import KioskStore

/// Pushes the outbox to the centre (`central.push`): batches of pending events, in seq order, POSTed as
/// `application/cloudevents-batch+json` (the pull API's events, `TransactionEvent`); a 2xx acknowledges up to the batch's
/// last seq — the same acknowledgement as a pull's, so whichever comes first wins and the other skips ahead.
///
/// - 5xx, 408, 429 and network errors: the same batch again after an exponential back-off with full jitter (1 s
///   doubling to 5 min; never sooner than a `Retry-After`).
/// - Any other 4xx: the centre refuses the batch. Pushing stops (health reason `central-rejected`), the batch and
///   everything after it stay in the outbox for a person to look at (and for pull); a restart tries again.
/// - New completions are noticed by polling the outbox cursor every `pollInterval` (0.5 s).
///
/// All blocking work (libcups, the read connection) runs on one thread of its own, never on the concurrency pool;
/// acknowledgements go through the writer's lane. The connection to the centre is kept alive between batches
/// (`HTTPClientConnection`). Every wait goes through a `PushClock` and every jitter through `random`, so a test can
/// run a day of back-off in seconds, the same way every time.
final class Pusher: @unchecked Sendable {
    static let pollInterval: Duration = .milliseconds(500)
    static let healthReasonRejected = "central-rejected"

    enum State: String, Sendable {
        case idle, pushing, backingOff, rejected, stopped
    }

    private let push: PushConfig
    private let token: String
    private let reader: TransactionStore
    private let lane: StoreLane
    private let logger: Logger
    private let kioskID: String
    private let clock: any PushClock
    private let random: @Sendable (ClosedRange<Double>) -> Double
    private let connection: HTTPClientConnection
    private let condition = NSCondition()
    private var stopping = false
    private var finished = false
    private var state = State.idle
    private var lastSuccess: Date?
    private var backoffUntil: Date?
    private var lastError: String?
    private var rejection: String?
    private var pushedEvents = 0
    private var failedAttempts = 0
    /// Where pushes and their failures go for `monitor`.
    private let events: EventHub?

    init(
        kioskID: String, push: PushConfig, store: TransactionStore, lane: StoreLane, logger: Logger,
        events: EventHub? = nil, clock: any PushClock = SystemPushClock(),
        random: @escaping @Sendable (ClosedRange<Double>) -> Double = { Double.random(in: $0) }
    ) throws {
        self.push = push
        self.clock = clock
        self.random = random
        connection = HTTPClientConnection(host: push.url.host, port: push.url.port, verification: push.verification)
        token = try push.readToken()
        reader = try TransactionStore.open(
            path: store.path, options: .init(readOnly: true, checkIntegrityAtOpen: false))
        self.lane = lane
        self.logger = logger
        self.kioskID = kioskID
        self.events = events
        let thread = Thread { [self] in loop() }
        thread.name = "central-push"
        thread.start()
    }

    /// Starts pushing if `central.push` is configured (nil otherwise).
    static func start(
        config: DaemonConfig, store: TransactionStore, lane: StoreLane, logger: Logger, events: EventHub? = nil
    ) throws -> Pusher? {
        guard let push = config.central.push else { return nil }
        let pusher = try Pusher(
            kioskID: config.kioskID, push: push, store: store, lane: lane, logger: logger, events: events)
        let trust: String
        switch push.verification {
        case .pinSHA256(let pin): trust = "certificate pinned to SHA-256 \(SHA256Hex.string(pin))"
        case .systemTrust: trust = "certificate checked against the system trust store"
        }
        logger.notice("central", "pushing transactions to \(push.url) (\(trust))")
        return pusher
    }

    /// `central-rejected` once the centre refused a batch; nil otherwise.
    var healthReason: String? { condition.withLock { rejection == nil ? nil : Self.healthReasonRejected } }

    /// For `status`.
    var status: [String: Any] {
        condition.withLock {
            var status: [String: Any] = [
                "url": push.url.description, "state": state.rawValue, "pushedEvents": pushedEvents,
                "failedAttempts": failedAttempts,
            ]
            if let lastSuccess { status["lastSuccess"] = PullAPI.rfc3339(lastSuccess) }
            if let backoffUntil, state == .backingOff { status["backoffUntil"] = PullAPI.rfc3339(backoffUntil) }
            if let lastError { status["lastError"] = lastError }
            if let rejection {
                status["rejected"] = rejection
                status["healthReason"] = Self.healthReasonRejected
            }
            return status
        }
    }

    /// Stops the thread: a wait ends at once, a request in flight at its deadline. Returns without waiting for it
    /// beyond `grace`; the read connection is closed by the thread itself.
    func stop(grace: Duration = .seconds(2)) {
        let deadline = Date(timeIntervalSinceNow: Double(grace.components.seconds))
        condition.withLock { stopping = true }
        clock.interrupt()
        condition.withLock {
            while !finished && condition.wait(until: deadline) {}
        }
    }

    // MARK: The thread

    private func loop() {
        defer {
            connection.close()
            reader.close()
            condition.withLock {
                state = .stopped
                finished = true
                condition.broadcast()
            }
        }
        var attempt = 0
        // The batch being retried, as sent: a retry sends the same events again without reading and encoding them
        // anew — unless an acknowledgement (a pull) overtook it, or it was short and more events have come since.
        var pending: Batch?
        while !isStopping {
            let cursor: (acked: Int64, last: Int64)
            do {
                cursor = try reader.outboxCursor()
                if cursor.last <= cursor.acked {
                    pending = nil
                    setState(.idle)
                    wait(Self.pollInterval)
                    continue
                }
                let current = pending.map {
                    $0.after == cursor.acked && ($0.count == push.batchSize || $0.last == cursor.last)
                }
                if current != true {
                    let page = try reader.page(after: cursor.acked, limit: push.batchSize)
                    pending = page.entries.last.map {
                        Batch(
                            after: cursor.acked, last: $0.seq, count: page.entries.count,
                            body: TransactionEvent.batch(page.entries, kioskID: kioskID))
                    }
                }
            } catch {
                logger.warning("central", "push cannot read the outbox: \(error)")
                wait(.seconds(1))
                continue
            }
            guard let batch = pending else {
                wait(Self.pollInterval)
                continue
            }
            let last = batch.last
            setState(.pushing)
            let outcome = send(batch.body)
            switch outcome {
            case .delivered:
                do {
                    try lane.runAndWait { store in
                        if last > (try store.outboxCursor()).acked { try store.ack(upTo: last) }
                    }
                } catch {
                    logger.warning(
                        "central", "pushed up to seq \(last) but cannot record the acknowledgement: \(error)")
                    wait(.seconds(1))
                    continue
                }
                attempt = 0
                pending = nil
                let now = clock.now()
                condition.withLock {
                    pushedEvents += batch.count
                    lastSuccess = now
                    lastError = nil
                }
                logger.info("central", "pushed \(batch.count) transaction(s) up to seq \(last)")
                events?.publish(
                    .central, "pushed", ["count": String(batch.count), "upToSeq": String(last)],
                    text: "pushed \(batch.count) transaction(s) up to seq \(last)")
            case .retry(let reason, let retryAfter):
                attempt += 1
                let delay = PushBackoff.delay(attempt: attempt, retryAfterSeconds: retryAfter, random: random)
                let until = clock.now().addingTimeInterval(PushBackoff.seconds(delay))
                condition.withLock {
                    failedAttempts += 1
                    lastError = reason
                    backoffUntil = until
                    state = .backingOff
                }
                logger.warning(
                    "central", "push of seq \(batch.after + 1)...\(last) failed (\(reason)); retry in \(delay)")
                events?.publish(
                    .central, "retry", ["reason": reason, "upToSeq": String(last)],
                    text: "push up to seq \(last) failed (\(reason)); retry in \(delay)")
                wait(delay)
            case .rejected(let reason):
                condition.withLock {
                    rejection = "seq \(batch.after + 1)...\(last): \(reason)"
                    lastError = reason
                    state = .rejected
                }
                logger.error(
                    "central",
                    "the centre rejected the push of seq \(batch.after + 1)...\(last) (\(reason)); pushing stops "
                        + "(\(Self.healthReasonRejected)) and the transactions stay in the outbox; restart to try again"
                )
                events?.publish(
                    .central, "rejected", ["reason": reason, "upToSeq": String(last)],
                    text: "the centre rejected the push up to seq \(last) (\(reason)); pushing stops")
                while !isStopping { wait(.seconds(3600)) }
            }
        }
    }

    /// The events after `after` up to `last` (`count` of them) encoded as one push body.
    private struct Batch {
        var after: Int64
        var last: Int64
        var count: Int
        var body: [UInt8]
    }

    enum Outcome {
        case delivered
        case retry(String, retryAfter: Int?)
        case rejected(String)
    }

    private func send(_ body: [UInt8]) -> Outcome {
        let response: HTTPClientResponse
        do {
            response = try connection.send(
                .post, push.url.resource, contentType: "application/cloudevents-batch+json", bearerToken: token,
                body: body, deadline: .after(push.requestTimeout))
        } catch {
            return .retry(error.description, retryAfter: nil)
        }
        return Self.classify(status: response.status, retryAfterSeconds: response.retryAfterSeconds)
    }

    /// What a status means for the batch.
    static func classify(status: Int, retryAfterSeconds: Int?) -> Outcome {
        switch status {
        case 200..<300: return .delivered
        case 408, 429, 500..<600: return .retry("HTTP \(status)", retryAfter: retryAfterSeconds)
        default: return .rejected("HTTP \(status)")
        }
    }

    private var isStopping: Bool { condition.withLock { stopping } }

    private func setState(_ new: State) { condition.withLock { state = new } }

    /// Waits `duration` on the pusher's clock, or until stopped.
    private func wait(_ duration: Duration) {
        if !isStopping { clock.sleep(duration) }
    }
}

/// Exponential back-off with full jitter: a uniform delay in [0, min(5 min, 1 s × 2^(attempt−1))], but never less
/// than the server's `Retry-After` (itself capped at 5 min).
enum PushBackoff {
    static let base: Double = 1
    static let cap: Double = 300

    static func delay(
        attempt: Int, retryAfterSeconds: Int?, random: (ClosedRange<Double>) -> Double = { Double.random(in: $0) }
    ) -> Duration {
        let ceiling = min(cap, base * pow(2, Double(max(0, min(attempt - 1, 30)))))
        var seconds = random(0...ceiling)
        if let retryAfterSeconds { seconds = max(seconds, min(cap, Double(retryAfterSeconds))) }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// The time the pusher lives in: the system's in kioskd; a simulated one in tests, so that a day of back-off
/// (1 s … 5 min between attempts) runs in seconds and the same way every time.
protocol PushClock: AnyObject, Sendable {
    /// Now, for the push status (last success, back-off until).
    func now() -> Date
    /// Returns when `duration` has passed — or at once, now and for every later call, once `interrupt()` was
    /// called.
    func sleep(_ duration: Duration)
    /// Ends the current sleep and every later one (the pusher is stopping).
    func interrupt()
}

/// The system's clock: sleeps on a condition variable that `interrupt` signals.
final class SystemPushClock: PushClock, @unchecked Sendable {
    private let condition = NSCondition()
    private var interrupted = false

    func now() -> Date { Date() }

    func sleep(_ duration: Duration) {
        let until = Date(timeIntervalSinceNow: PushBackoff.seconds(duration))
        condition.withLock {
            while !interrupted && condition.wait(until: until) {}
        }
    }

    func interrupt() {
        condition.withLock {
            interrupted = true
            condition.broadcast()
        }
    }
}

enum SHA256Hex {
    static func string(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
