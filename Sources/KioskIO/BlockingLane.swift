import Foundation

/// A dedicated thread that runs blocking work — an fsync-ing SQLite commit, a wait on another connection's lock —
/// one job at a time, in submission order, behind an async API: a caller on an actor or the cooperative pool
/// suspends instead of pinning one of the pool's few threads. See docs/ARCHITECTURE.md (threads and lanes).
public final class BlockingLane: @unchecked Sendable {
    /// The lane was closed before the job could run.
    public struct Closed: Error, CustomStringConvertible {
        public let lane: String
        public var description: String { "the \(lane) lane is closed" }
    }

    public let name: String
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var head = 0
    private var closed = false

    /// Starts the lane's thread.
    public init(name: String) {
        self.name = name
        let thread = Thread { [self] in drain() }
        thread.name = name
        thread.start()
    }

    /// Runs `body` on the lane and returns its result. Jobs run in the order they were submitted.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = submit { continuation.resume(with: Result { try body() }) }
            if !accepted { continuation.resume(throwing: Closed(lane: name)) }
        }
    }

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

    /// Stops taking jobs; those already queued still run, then the thread ends.
    public func close() {
        condition.withLock {
            closed = true
            condition.broadcast()
        }
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
