import Dispatch
import Foundation

/// Runs `operation` on Swift's concurrency pool and blocks the calling thread until it returns its result.
///
/// For plain threads outside the pool: a control connection's thread, and the main thread of `kioskctl` and
/// `kioskbench`. Never call it from inside a task or an actor: the thread it blocks may be one the operation needs.
public func runBlocking<T: Sendable>(_ operation: @escaping @Sendable () async -> T) -> T {
    let slot = ResultSlot<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        slot.value = await operation()
        done.signal()
    }
    done.wait()
    guard let value = slot.value else { preconditionFailure("the operation finished without a value") }
    return value
}

/// Carries a value from a task to the thread that waits on its semaphore.
private final class ResultSlot<T>: @unchecked Sendable {
    var value: T?
}

/// The other direction: runs blocking `work` (an HTTPS exchange, a child process) on a thread of its own named `name`
/// and suspends the calling task until it is done, so the concurrency pool's few threads never wait on I/O.
func onOwnThread<T: Sendable>(_ name: String, _ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: work()) }
        thread.name = name
        thread.start()
    }
}
