import Foundation

/// Counts the calls running inside a transport, so that `close()` can refuse new ones and wait for the running ones
/// to leave before it frees what they use (a libusb handle): a use-after-free otherwise. Calls must poll `isClosed`
/// between bounded slices, so the wait is at most one slice.
public final class TransportCallGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var closed = false
    private var activeCalls = 0

    public init() {}

    public var isClosed: Bool { condition.withLock { closed } }

    /// Admits one call, or throws `.closed` once `close()` has begun; pair with `leave()`.
    public func enter() throws(TransportError) {
        condition.lock()
        defer { condition.unlock() }
        if closed { throw .closed }
        activeCalls += 1
    }

    public func leave() {
        condition.lock()
        activeCalls -= 1
        if activeCalls == 0 { condition.broadcast() }
        condition.unlock()
    }

    /// Refuses later calls and waits until none is running. False when the gate was already closed (the caller then
    /// has nothing left to free).
    public func closeAndDrain() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if closed { return false }
        closed = true
        while activeCalls > 0 { condition.wait() }
        return true
    }
}
