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
/// acknowledgements go through the writer's lane.
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

    init(kioskID: String, push: PushConfig, store: TransactionStore, lane: StoreLane, logger: Logger) throws {
        self.push = push
        token = try push.readToken()
        reader = try TransactionStore.open(
            path: store.path, options: .init(readOnly: true, checkIntegrityAtOpen: false))
        self.lane = lane
        self.logger = logger
        self.kioskID = kioskID
        let thread = Thread { [self] in loop() }
        thread.name = "central-push"
        thread.start()
    }

    /// Starts pushing if `central.push` is configured (nil otherwise).
    static func start(config: DaemonConfig, store: TransactionStore, lane: StoreLane, logger: Logger) throws -> Pusher?
    {
        guard let push = config.central.push else { return nil }
        let pusher = try Pusher(kioskID: config.kioskID, push: push, store: store, lane: lane, logger: logger)
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
        condition.withLock {
            stopping = true
            condition.broadcast()
            while !finished && condition.wait(until: deadline) {}
        }
    }

    // MARK: The thread

    private func loop() {
        defer {
            reader.close()
            condition.withLock {
                state = .stopped
                finished = true
                condition.broadcast()
            }
        }
        var attempt = 0
        while !isStopping {
            let cursor: (acked: Int64, last: Int64)
            let page: OutboxPage
            do {
                cursor = try reader.outboxCursor()
                if cursor.last <= cursor.acked {
                    setState(.idle)
                    wait(Self.pollInterval)
                    continue
                }
                page = try reader.page(after: cursor.acked, limit: push.batchSize)
            } catch {
                logger.warning("central", "push cannot read the outbox: \(error)")
                wait(.seconds(1))
                continue
            }
            guard let last = page.entries.last?.seq else {
                wait(Self.pollInterval)
                continue
            }
            setState(.pushing)
            let outcome = send(TransactionEvent.batch(page.entries, kioskID: kioskID))
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
                condition.withLock {
                    pushedEvents += page.entries.count
                    lastSuccess = Date()
                    lastError = nil
                }
                logger.info("central", "pushed \(page.entries.count) transaction(s) up to seq \(last)")
            case .retry(let reason, let retryAfter):
                attempt += 1
                let delay = PushBackoff.delay(attempt: attempt, retryAfterSeconds: retryAfter)
                condition.withLock {
                    failedAttempts += 1
                    lastError = reason
                    backoffUntil = Date(timeIntervalSinceNow: Double(delay.components.seconds))
                    state = .backingOff
                }
                logger.warning(
                    "central", "push of seq \(cursor.acked + 1)...\(last) failed (\(reason)); retry in \(delay)")
                wait(delay)
            case .rejected(let reason):
                condition.withLock {
                    rejection = "seq \(cursor.acked + 1)...\(last): \(reason)"
                    lastError = reason
                    state = .rejected
                }
                logger.error(
                    "central",
                    "the centre rejected the push of seq \(cursor.acked + 1)...\(last) (\(reason)); pushing stops "
                        + "(\(Self.healthReasonRejected)) and the transactions stay in the outbox; restart to try again"
                )
                while !isStopping { wait(.seconds(3600)) }
            }
        }
    }

    enum Outcome {
        case delivered
        case retry(String, retryAfter: Int?)
        case rejected(String)
    }

    private func send(_ body: [UInt8]) -> Outcome {
        let response: HTTPClientResponse
        do {
            response = try HTTPClient.send(
                .post, push.url, contentType: "application/cloudevents-batch+json", bearerToken: token, body: body,
                verification: push.verification, deadline: .after(push.requestTimeout))
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

    /// Waits `duration` or until stopped.
    private func wait(_ duration: Duration) {
        let components = duration.components
        let deadline = Date(
            timeIntervalSinceNow: Double(components.seconds) + Double(components.attoseconds) / 1e18)
        condition.withLock {
            while !stopping && condition.wait(until: deadline) {}
        }
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
}

enum SHA256Hex {
    static func string(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
