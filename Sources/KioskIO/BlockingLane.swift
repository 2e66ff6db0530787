import Foundation

/// A dedicated thread that runs blocking work — an fsync-ing SQLite commit, a wait on another connection's lock, a
/// device exchange — one job at a time, in submission order, behind an async API: a caller on an actor or the
/// cooperative pool suspends instead of pinning one of the pool's few threads. The one blocking-I/O primitive of
/// kioskd: the store lane and every device driver run on one each. See docs/ARCHITECTURE.md §7 (threads and lanes).
///
/// For devices, a job's transport is `attach`ed while open: `close()` then also closes it, which wakes a call blocked
/// in it at once (a descriptor's poll(2) watches an eventfd, libusb transfers run in short slices), so stopping a
/// driver never waits out a deadline. Jobs given a deadline that passes while they queue are not run.
public final class BlockingLane: @unchecked Sendable {
    /// The lane was closed before the job could run.
    public struct Closed: Error, CustomStringConvertible {
        public let lane: String
        public var description: String { "the \(lane) lane is closed" }
    }

    /// The job's deadline passed while it waited for the lane (an earlier job held it).
    public struct Expired: Error, CustomStringConvertible {
        public let lane: String
        public var description: String { "the \(lane) lane was busy until the call's deadline" }
    }

    public let name: String
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var head = 0
    private var closed = false
    /// What `close()` must close to wake a blocked job, by object identity.
    private var attached: [ObjectIdentifier: @Sendable () -> Void] = [:]

    /// Starts the lane's thread.
    public init(name: String) {
        self.name = name
        let thread = Thread { [self] in
            // Foundation names the OS thread only from the thread itself; so `top -H` and /proc show it.
            Thread.current.name = name
            drain()
        }
        thread.name = name
        thread.start()
    }

    /// Runs `body` on the lane and returns its result. Jobs run in the order they were submitted; with a `deadline`
    /// that has passed by the job's turn, the job is dropped and `Expired` thrown.
    public func run<T: Sendable>(deadline: Deadline? = nil, _ body: @escaping @Sendable () throws -> T) async throws
        -> T
    {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = submit { [name] in
                if let deadline, deadline.hasPassed {
                    continuation.resume(throwing: Expired(lane: name))
                    return
                }
                continuation.resume(with: Result { try body() })
            }
            if !accepted { continuation.resume(throwing: Closed(lane: name)) }
        }
    }

    /// `run` for a job that cannot fail: a closed lane gives `whenClosed` instead.
    public func perform<T: Sendable>(whenClosed: T, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            let accepted = submit { continuation.resume(returning: body()) }
            if !accepted { continuation.resume(returning: whenClosed) }
        }
    }

    /// Starts `body` on the lane without waiting for it: a driver's long-running loop (the ID reader's) makes the
    /// lane's thread its own. False when the lane is closed.
    @discardableResult
    public func start(_ body: @escaping @Sendable () -> Void) -> Bool { submit(body) }

    /// Has `close()` close `transport` too, so a call blocked in it wakes; false (and `transport` closed at once)
    /// when the lane is already closed. Detach it when the job closes it itself.
    @discardableResult
    public func attach(_ transport: any ByteTransport) -> Bool {
        attach(transport as AnyObject) { transport.close() }
    }

    /// `attach` for anything with a way to wake its blocked calls (a cupsd connection's socket shutdown).
    @discardableResult
    public func attach(_ object: AnyObject, interrupt: @escaping @Sendable () -> Void) -> Bool {
        let accepted = condition.withLock { () -> Bool in
            guard !closed else { return false }
            attached[ObjectIdentifier(object)] = interrupt
            return true
        }
        if !accepted { interrupt() }
        return accepted
    }

    public func detach(_ object: AnyObject) {
        condition.withLock { _ = attached.removeValue(forKey: ObjectIdentifier(object)) }
    }

    /// Closes what is attached without closing the lane: a blocked job wakes (its transport closed), later jobs run
    /// and reopen. For a driver's `close()` and for dropping a connection gone stale.
    public func interrupt() {
        let interrupts = condition.withLock { () -> [@Sendable () -> Void] in
            defer { attached.removeAll() }
            return Array(attached.values)
        }
        for interrupt in interrupts { interrupt() }
    }

    /// Whether `close()` was called; a long-running job checks it between its waits.
    public var isClosed: Bool { condition.withLock { closed } }

    /// `run` for plain threads outside the concurrency pool (control connections): blocks until `body` has run.
    public func runAndWait<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
        let slot = LaneResult<T>()
        let done = DispatchSemaphore(value: 0)
        let accepted = submit {
            slot.result = Result { try body() }
            done.signal()
        }
        guard accepted else { throw Closed(lane: name) }
        done.wait()
        return try slot.result!.get()
    }

    /// Jobs waiting to run (not counting the one running).
    public var backlog: Int { condition.withLock { jobs.count - head } }

    /// Stops taking jobs and closes what is attached, waking a blocked job; those already queued still run (against
    /// closed transports they fail at once), then the thread ends.
    public func close() {
        let interrupts = condition.withLock { () -> [@Sendable () -> Void] in
            closed = true
            condition.broadcast()
            defer { attached.removeAll() }
            return Array(attached.values)
        }
        for interrupt in interrupts { interrupt() }
    }

    private func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        condition.withLock {
            guard !closed else { return false }
            jobs.append(job)
            condition.signal()
            return true
        }
    }

    private func drain() {
        while true {
            let job: (@Sendable () -> Void)? = condition.withLock {
                while head == jobs.count && !closed { condition.wait() }
                guard head < jobs.count else { return nil }
                let next = jobs[head]
                head += 1
                // Compact now and then so the array does not grow for the daemon's lifetime.
                if head > 64 && head * 2 > jobs.count {
                    jobs.removeFirst(head)
                    head = 0
                }
                return next
            }
            guard let job else { return }
            job()
        }
    }
}

/// Carries a job's result to the thread waiting in `runAndWait`.
private final class LaneResult<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
