import Foundation
import KioskControl

/// Fans the terminal's events out to every `monitor` subscriber (docs/ARCHITECTURE.md §17). Publishers — the flow
/// runner, the device health watch, the card pump, the pusher — call `publish` from any thread; it takes two short
/// locks and never waits for a subscriber. Each subscriber has a bounded queue: one that falls `maximumQueued`
/// events behind is cut off (it is told so), rather than letting the daemon hold ever more memory for it.
public final class EventHub: @unchecked Sendable {
    private let lock = NSLock()
    private var subscribers: [ObjectIdentifier: EventSubscription] = [:]
    private var seq = 0
    private let clock: @Sendable () -> Date

    public init(clock: @escaping @Sendable () -> Date = { Date() }) { self.clock = clock }

    public func publish(
        _ kind: MonitorEvent.Kind, _ event: String, _ detail: [String: String] = [:], text: String
    ) {
        lock.withLock {
            seq += 1
            let item = MonitorEvent(seq: seq, at: clock(), kind: kind, event: event, detail: detail, text: text)
            for (id, subscriber) in subscribers where !subscriber.enqueue(item) {
                subscribers[id] = nil
            }
        }
    }

    /// A new subscription; it sees the events published from now on.
    public func subscribe(maximumQueued: Int = EventSubscription.defaultMaximumQueued) -> EventSubscription {
        let subscription = EventSubscription(maximumQueued: maximumQueued)
        lock.withLock { subscribers[ObjectIdentifier(subscription)] = subscription }
        return subscription
    }

    public func unsubscribe(_ subscription: EventSubscription) {
        _ = lock.withLock { subscribers.removeValue(forKey: ObjectIdentifier(subscription)) }
        subscription.close()
    }

    public var subscriberCount: Int { lock.withLock { subscribers.count } }
}

/// One subscriber's queue. The hub appends; the subscriber's connection thread takes.
public final class EventSubscription: @unchecked Sendable {
    public static let defaultMaximumQueued = 512

    public enum Next: Sendable, Equatable {
        case events([MonitorEvent])
        /// Nothing within the wait.
        case idle
        /// The subscriber fell behind and was cut off; this many events were not delivered.
        case overflowed(dropped: Int)
        case closed
    }

    private let condition = NSCondition()
    private let maximumQueued: Int
    private var queued: [MonitorEvent] = []
    private var dropped: Int?
    private var closed = false

    init(maximumQueued: Int) { self.maximumQueued = max(1, maximumQueued) }

    /// False once the subscriber is cut off (the hub then forgets it).
    func enqueue(_ event: MonitorEvent) -> Bool {
        condition.withLock {
            guard !closed, dropped == nil else { return false }
            guard queued.count < maximumQueued else {
                dropped = queued.count + 1
                queued.removeAll()
                condition.broadcast()
                return false
            }
            queued.append(event)
            condition.broadcast()
            return true
        }
    }

    /// What is queued, waiting at most `timeout` for something.
    public func next(waitingAtMost timeout: TimeInterval) -> Next {
        condition.withLock {
            let end = Date(timeIntervalSinceNow: timeout)
            while true {
                if let dropped { return .overflowed(dropped: dropped) }
                if !queued.isEmpty {
                    defer { queued.removeAll() }
                    return .events(queued)
                }
                if closed { return .closed }
                if !condition.wait(until: end) { return .idle }
            }
        }
    }

    func close() {
        condition.withLock {
            closed = true
            condition.broadcast()
        }
    }
}
