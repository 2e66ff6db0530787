import Foundation
import KioskIO

/// The camera driver (身份证比对): one camera, as an actor on the one driver shape (docs/ARCHITECTURE.md §4.9).
///
/// Between face steps the camera is closed, so its light is off: its health comes from `probe` (open, check the
/// format, close) at start, after hotplug `reopenNow()`, and every `reprobeInterval` while it is faulted or absent.
/// `beginStreaming()` opens it and runs a frame loop on the driver's `BlockingLane` that keeps only the latest frame
/// (wiping the one it replaces); `endStreaming()` stops, closes and wipes every frame. `stop()` closes the source and
/// the lane, which wakes a blocked `nextFrame` at once.
public actor Camera: DeviceService, CameraCapturing, CameraPreviewing {
    /// Makes the frame source for one probe or one streaming session: the V4L2 camera on the node the hotplug monitor
    /// last found, or the simulated camera.
    public typealias SourceMaker = @Sendable () -> any CameraFrameSource

    public nonisolated let configuration: CameraConfiguration
    private nonisolated let state = CameraStreamState()
    private nonisolated let wakeup = CameraWakeup()
    private nonisolated let lane: BlockingLane
    private let makeSource: SourceMaker
    private var running = false

    public init(configuration: CameraConfiguration, source: @escaping SourceMaker) {
        self.configuration = configuration
        makeSource = source
        lane = BlockingLane(name: "camera")
    }

    public var health: DeviceHealth { state.health }

    /// Whether the face step asked for frames and has not ended.
    public var isStreaming: Bool { state.isStreaming }

    /// Probes at start, then again while the camera is faulted or absent and not streaming, until `stop()`.
    public func run() async {
        guard !running else { return }
        running = true
        await withTaskCancellationHandler {
            while !state.isStopped {
                if !state.isStreaming && !Self.isUsable(state.health) { await probe() }
                if state.isStopped { break }
                await wakeup.wait(for: configuration.reprobeInterval)
            }
        } onCancel: {
            stop()
        }
    }

    public nonisolated func stop() {
        let source = state.end(stopping: true)
        source?.close()
        lane.close()
        wakeup.poke()
    }

    /// The camera settled (hotplug): a streaming session reopens it now; otherwise it is probed now.
    public func reopenNow() async {
        if state.isStreaming {
            state.requestReopen()
            state.currentSource?.close()  // the loop sees `closed` while streaming is wanted and reopens at once
        } else {
            await probe()
        }
    }

    /// Opens, checks and closes the camera on the lane, and records what it found.
    @discardableResult
    public func probe() async -> DeviceHealth {
        let source = makeSource()
        let configuration = configuration
        let outcome: CameraError? = await lane.perform(whenClosed: .closed) {
            do throws(CameraError) {
                try source.probe(deadline: .after(configuration.openTimeout))
                return nil
            } catch {
                return error
            }
        }
        if outcome == .closed && state.isStopped { return state.health }
        state.setHealth(outcome.map { $0.health(path: configuration.path) } ?? DeviceHealth(.ready))
        return state.health
    }

    public func beginStreaming() async {
        let source = makeSource()
        guard state.begin(source) else { return }
        let state = state
        let configuration = configuration
        if !lane.start({ Self.streamLoop(source, state: state, configuration: configuration) }) {
            _ = state.end()
        }
    }

    public func endStreaming() async {
        state.end()?.close()
        // The lane runs one job at a time: this one runs once the frame loop has returned.
        await lane.perform(whenClosed: ()) {}
    }

    public func capture(deadline: Deadline) async throws(CameraError) -> CameraFrame {
        let frame = try await state.nextFrame(deadline: deadline).get()
        guard frame.jpeg.count <= configuration.maximumFrameBytes else {
            let size = frame.jpeg.count
            frame.wipe()
            throw .frameTooLarge(bytes: size, limit: configuration.maximumFrameBytes)
        }
        return frame
    }

    public func previewFrames(maximumPerSecond: Int) async -> AsyncStream<CameraFrame> {
        state.preview(maximumPerSecond: maximumPerSecond)
    }

    static func isUsable(_ health: DeviceHealth) -> Bool { health.state == .ready || health.state == .degraded }

    /// The frame loop, on the lane while streaming is wanted: open, read frames, reopen after a failure with a growing
    /// back-off (at once after `reopenNow()`), close when streaming ends.
    private static func streamLoop(
        _ source: any CameraFrameSource, state: CameraStreamState, configuration: CameraConfiguration
    ) {
        var backOff = Duration.milliseconds(200)
        defer { source.close() }
        while state.shouldStream {
            do throws(CameraError) {
                try source.open(deadline: .after(configuration.openTimeout))
            } catch {
                if !state.shouldStream { return }
                if error != .closed {
                    state.setHealth(error.health(path: configuration.path))
                    state.failed(error)
                    state.pauseWhileStreaming(backOff)
                    backOff = min(backOff * 2, .seconds(5))
                }
                continue
            }
            while state.shouldStream {
                do throws(CameraError) {
                    let raw = try source.nextFrame(deadline: .after(configuration.frameTimeout))
                    let frame: CameraFrame
                    do throws(CameraError) {
                        frame = try CameraFrameCheck.checked(raw, limit: Int.max)
                    } catch {
                        raw.wipe()
                        throw error
                    }
                    backOff = .milliseconds(200)
                    state.setHealth(DeviceHealth(.ready))
                    state.publish(frame)
                } catch {
                    if !state.shouldStream { return }
                    if case .garbage = error {
                        state.setHealth(error.health(path: configuration.path))
                        state.failed(error)
                        continue  // the next frame may be good; the source paces the loop
                    }
                    source.close()
                    if error != .closed {  // `closed` while wanted: reopenNow() asked for a fresh open
                        state.setHealth(error.health(path: configuration.path))
                        state.failed(error)
                        state.pauseWhileStreaming(backOff)
                        backOff = min(backOff * 2, .seconds(5))
                    }
                    break
                }
            }
        }
    }
}

/// The wake-up of the camera's re-probe wait: `poke()` (stop, hotplug) ends the current wait or the next one at once.
final class CameraWakeup: @unchecked Sendable {
    private let lock = NSLock()
    private var pending = false
    private var waiter: (id: UUID, continuation: CheckedContinuation<Void, Never>)?

    func poke() {
        let woken = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            guard let waiter else {
                pending = true
                return nil
            }
            self.waiter = nil
            return waiter.continuation
        }
        woken?.resume()
    }

    /// Returns after `duration`, or earlier when poked.
    func wait(for duration: Duration) async {
        let id = UUID()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { () -> Bool in
                if pending {
                    pending = false
                    return true
                }
                waiter = (id, continuation)
                return false
            }
            if now {
                continuation.resume()
                return
            }
            Task { [weak self] in
                try? await Task.sleep(for: duration)
                self?.resume(id)
            }
        }
    }

    private func resume(_ id: UUID) {
        let woken = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            guard let waiter, waiter.id == id else { return nil }
            self.waiter = nil
            return waiter.continuation
        }
        woken?.resume()
    }
}
