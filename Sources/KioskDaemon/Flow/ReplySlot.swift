import Foundation

/// One answer awaited by one caller and offered by several parties — the flow loop, a deadline, a stop — of which
/// only the first counts. Whoever comes later is told so and drops its value.
final class ReplySlot<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Value, Never>?
    private var early: Value?
    private var answered = false

    /// Offers the answer; false when the slot was already answered.
    @discardableResult
    func answer(_ value: Value) -> Bool {
        let (first, waiting) = lock.withLock { () -> (Bool, CheckedContinuation<Value, Never>?) in
            guard !answered else { return (false, nil) }
            answered = true
            if let continuation {
                self.continuation = nil
                return (true, continuation)
            }
            early = value
            return (true, nil)
        }
        waiting?.resume(returning: value)
        return first
    }

    /// Waits for the first answer.
    func value() async -> Value {
        await withCheckedContinuation { continuation in
            let ready: Value? = lock.withLock {
                if let early { return early }
                self.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

/// Runs `operation` and answers with its result, or nil once `timeout` has passed — without waiting for an operation
/// that is stuck (a task group would wait for it).
func firstAnswer<T: Sendable>(within timeout: Duration, _ operation: @escaping @Sendable () async -> T) async -> T? {
    let slot = ReplySlot<T?>()
    let work = Task { slot.answer(await operation()) }
    let clock = Task {
        try? await Task.sleep(for: timeout)
        slot.answer(nil)
    }
    let result = await slot.value()
    clock.cancel()
    if result == nil { work.cancel() }
    return result
}
