import Foundation
import KioskIO

/// What the camera's frame loop (on its lane) and its callers (the actor, `stop()` from any thread) share: whether
/// streaming is wanted, the latest frame, the health, the captures waiting for a fresh frame and the previews.
/// Frames handed out are copies, so the loop may wipe the one it replaces while a reader still writes its copy.
final class CameraStreamState: @unchecked Sendable {
    typealias CaptureResult = Result<CameraFrame, CameraError>

    private struct CaptureWaiter {
        let after: UInt64
        let continuation: CheckedContinuation<CaptureResult, Never>
    }

    private struct Preview {
        let continuation: AsyncStream<CameraFrame>.Continuation
        let interval: Duration
        var nextSlot: ContinuousClock.Instant
    }

    private let condition = NSCondition()
    private var healthNow = DeviceHealth(.starting)
    private var wanted = false
    /// `reopenNow()` while the loop waits out a back-off: it ends the wait.
    private var reopenRequested = false
    private var stopped = false
    private var latest: CameraFrame?
    private var sequence: UInt64 = 0
    private var lastError: CameraError?
    private var captures: [UUID: CaptureWaiter] = [:]
    private var previews: [UUID: Preview] = [:]
    /// The source the loop streams from, for `stop()` and `reopenNow()` to close (which wakes a blocked call).
    private var source: (any CameraFrameSource)?

    var health: DeviceHealth { condition.withLock { healthNow } }
    var isStopped: Bool { condition.withLock { stopped } }
    var isStreaming: Bool { condition.withLock { wanted && !stopped } }
    var shouldStream: Bool { isStreaming }

    func setHealth(_ health: DeviceHealth) {
        condition.withLock {
            if stopped { return }
            healthNow = health
        }
    }

    /// Streaming is wanted from now on, from `source`; false when stopped or already streaming.
    func begin(_ source: any CameraFrameSource) -> Bool {
        condition.withLock {
            guard !stopped, !wanted else { return false }
            wanted = true
            lastError = nil
            self.source = source
            return true
        }
    }

    /// Streaming is no longer wanted: wipes the latest frame, ends the previews, fails the waiting captures with
    /// `closed`, and returns the source to close.
    func end(stopping: Bool = false) -> (any CameraFrameSource)? {
        let (source, waiters, open) = condition.withLock {
            () -> ((any CameraFrameSource)?, [CaptureWaiter], [Preview]) in
            wanted = false
            if stopping { stopped = true }
            latest?.wipe()
            latest = nil
            condition.broadcast()
            defer {
                captures.removeAll()
                previews.removeAll()
                self.source = nil
            }
            return (self.source, Array(captures.values), Array(previews.values))
        }
        for waiter in waiters { waiter.continuation.resume(returning: .failure(.closed)) }
        for preview in open { preview.continuation.finish() }
        return source
    }

    /// The source being streamed, for `reopenNow()`.
    var currentSource: (any CameraFrameSource)? { condition.withLock { source } }

    /// A new frame from the loop: kept as the latest (the one it replaces wiped), copied to the captures waiting for
    /// it and to each preview whose next slot has come. A frame arriving after streaming ended is wiped at once.
    func publish(_ frame: CameraFrame) {
        let now = ContinuousClock.now
        let (delivered, sends) = condition.withLock {
            () -> ([CheckedContinuation<CaptureResult, Never>], [AsyncStream<CameraFrame>.Continuation]) in
            guard wanted, !stopped else {
                frame.wipe()
                return ([], [])
            }
            latest?.wipe()
            latest = frame
            sequence += 1
            lastError = nil
            let ready = captures.filter { $0.value.after < sequence }
            for id in ready.keys { captures.removeValue(forKey: id) }
            var sends: [AsyncStream<CameraFrame>.Continuation] = []
            for (id, preview) in previews where now >= preview.nextSlot {
                var next = preview.nextSlot + preview.interval
                if next < now { next = now }  // after a gap, do not burst to catch up
                previews[id]?.nextSlot = next
                sends.append(preview.continuation)
            }
            return (ready.values.map(\.continuation), sends)
        }
        for waiter in delivered { waiter.resume(returning: .success(Self.copy(of: frame))) }
        for send in sends { send.yield(Self.copy(of: frame)) }
    }

    /// The loop failed with `error`: remembered for the captures that time out; those waiting are failed at once when
    /// the camera cannot come back by itself (absent, busy, no permission, no format).
    func failed(_ error: CameraError) {
        let failing = condition.withLock { () -> [CaptureWaiter] in
            lastError = error
            switch error {
            case .absent, .busy, .permissionDenied, .noSupportedFormat:
                defer { captures.removeAll() }
                return Array(captures.values)
            default: return []
            }
        }
        for waiter in failing { waiter.continuation.resume(returning: .failure(error)) }
    }

    /// Waits until streaming ends, `duration` passes (the loop's back-off between reopens) or `requestReopen()`.
    func pauseWhileStreaming(_ duration: Duration) {
        let parts = duration.components
        let until = Date().addingTimeInterval(Double(parts.seconds) + Double(parts.attoseconds) / 1e18)
        condition.withLock {
            while wanted && !stopped && !reopenRequested && Date() < until { _ = condition.wait(until: until) }
            reopenRequested = false
        }
    }

    /// Ends the loop's back-off now (the hotplug monitor saw the camera settle).
    func requestReopen() {
        condition.withLock {
            reopenRequested = true
            condition.broadcast()
        }
    }

    /// A frame that arrives after this call, or the failure; at `deadline` the last error of the loop (or stalled).
    func nextFrame(deadline: Deadline) async -> CaptureResult {
        let id = UUID()
        return await withCheckedContinuation { (continuation: CheckedContinuation<CaptureResult, Never>) in
            let refused = condition.withLock { () -> CameraError? in
                guard wanted, !stopped else { return .closed }
                captures[id] = CaptureWaiter(after: sequence, continuation: continuation)
                return nil
            }
            if let refused {
                continuation.resume(returning: .failure(refused))
                return
            }
            Task { [weak self] in
                try? await Task.sleep(for: deadline.remaining)
                self?.expire(id)
            }
        }
    }

    private func expire(_ id: UUID) {
        let (waiter, error) = condition.withLock { (captures.removeValue(forKey: id), lastError ?? .stalled) }
        waiter?.continuation.resume(returning: .failure(error))
    }

    /// A preview of at most `maximumPerSecond` frames a second, finished when streaming ends (or at once when it is
    /// not streaming). Holds one frame: a slow reader gets the newest, and the dropped ones are wiped as they go.
    func preview(maximumPerSecond: Int) -> AsyncStream<CameraFrame> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: CameraFrame.self, bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        let interval = Duration.milliseconds(1000 / max(1, min(maximumPerSecond, 1000)))
        let accepted = condition.withLock { () -> Bool in
            guard wanted, !stopped else { return false }
            previews[id] = Preview(continuation: continuation, interval: interval, nextSlot: .now)
            return true
        }
        guard accepted else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            _ = self.condition.withLock { self.previews.removeValue(forKey: id) }
        }
        return stream
    }

    /// A copy whose bytes the receiver owns (and wipes).
    static func copy(of frame: CameraFrame) -> CameraFrame {
        CameraFrame(jpeg: Array(frame.jpeg), width: frame.width, height: frame.height)
    }
}
