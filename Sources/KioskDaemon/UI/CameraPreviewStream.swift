import Foundation
import KioskDevices
import KioskHTTP
import KioskIO

/// One open `GET /ui/v1/camera` (docs/ui-api.md, "Live preview"): the camera's frames as a
/// `multipart/x-mixed-replace` body, one JPEG part at a time, at most `maximumPerSecond`, while the face step lasts.
///
/// The frames arrive on a task reading the camera's `AsyncStream`; the HTTP server's connection thread takes them in
/// `next`. Only the newest frame waits (an older one is wiped unsent), and each frame is wiped as soon as its part
/// is built; the part itself is zeroed by the server once written (`.wipedAfterWrite`), so a face outlives its
/// write nowhere (docs/face-verification.md).
final class CameraPreviewStream: HTTPResponseStream, @unchecked Sendable {
    static let boundary = "kioskd-camera-frame"
    static let contentType = "multipart/x-mixed-replace; boundary=\(boundary)"
    /// What the listener asks the camera for, and the most parts it sends in a second whatever the camera gives.
    static let maximumPerSecond = 10
    static let minimumInterval: Duration = .seconds(1) / maximumPerSecond

    private let condition = NSCondition()
    private var waiting: CameraFrame?
    private var cameraEnded = false
    private var closed = false
    private var ended = false
    private var partsSent = 0
    private var lastSent: ContinuousClock.Instant?
    private var reader: Task<Void, Never>?
    private let stillInStep: @Sendable () -> Bool
    private let onClose: @Sendable (CameraPreviewStream) -> Void

    /// `stillInStep` says whether the face step this stream was opened in is still on (checked at least every
    /// `next` slice); `onClose` runs once, when the server is done with the stream.
    init(
        stillInStep: @escaping @Sendable () -> Bool, onClose: @escaping @Sendable (CameraPreviewStream) -> Void
    ) {
        self.stillInStep = stillInStep
        self.onClose = onClose
    }

    /// Starts reading `camera`; the reading ends when the stream is closed (its task is cancelled, which ends the
    /// camera's `AsyncStream` and so the camera's streaming for this preview).
    func start(reading camera: any CameraPreviewing) {
        let task = Task { [weak self] in
            let frames = await camera.previewFrames(maximumPerSecond: Self.maximumPerSecond)
            for await frame in frames {
                guard let self else {
                    frame.wipe()
                    return
                }
                self.offer(frame)
            }
            self?.cameraFinished()
        }
        let cancelNow = condition.withLock {
            reader = task
            return closed
        }
        if cancelNow { task.cancel() }
    }

    private func offer(_ frame: CameraFrame) {
        condition.withLock {
            guard !closed else {
                frame.wipe()
                return
            }
            waiting?.wipe()
            waiting = frame
            condition.broadcast()
        }
    }

    private func cameraFinished() {
        condition.withLock {
            cameraEnded = true
            condition.broadcast()
        }
    }

    var partsWritten: Int { condition.withLock { partsSent } }

    func next(waitingAtMost timeout: Duration) -> HTTPStreamChunk {
        // Asked before taking the lock: the hub has a lock of its own.
        let inStep = stillInStep()
        let end = ContinuousClock.now + timeout
        return condition.withLock {
            while true {
                if closed || ended { return .end }
                if !inStep || (cameraEnded && waiting == nil) {
                    // The close delimiter, then the end of the body.
                    ended = true
                    waiting?.wipe()
                    waiting = nil
                    return .bytes(Array("--\(Self.boundary)--\r\n".utf8))
                }
                let now = ContinuousClock.now
                let due = lastSent.map { $0 + Self.minimumInterval } ?? now
                if let frame = waiting, due <= now {
                    waiting = nil
                    lastSent = now
                    partsSent += 1
                    let part = Self.part(frame.jpeg)
                    frame.wipe()
                    return .wipedAfterWrite(part)
                }
                let wake = waiting == nil ? end : min(end, due)
                if now >= end { return .nothingYet }
                _ = condition.wait(until: Date(timeIntervalSinceNow: Self.seconds(wake - now)))
            }
        }
    }

    func close() {
        let (first, task) = condition.withLock { () -> (Bool, Task<Void, Never>?) in
            defer { closed = true }
            waiting?.wipe()
            waiting = nil
            condition.broadcast()
            return (!closed, reader)
        }
        task?.cancel()
        if first { onClose(self) }
    }

    /// One part: the delimiter, its head, the JPEG and the CRLF before the next delimiter (RFC 2046 §5.1.1).
    static func part(_ jpeg: [UInt8]) -> [UInt8] {
        let head = "--\(boundary)\r\nContent-Type: image/jpeg\r\nContent-Length: \(jpeg.count)\r\n\r\n"
        var bytes = [UInt8]()
        bytes.reserveCapacity(head.utf8.count + jpeg.count + 2)
        bytes.append(contentsOf: head.utf8)
        bytes.append(contentsOf: jpeg)
        bytes.append(contentsOf: [0x0D, 0x0A])
        return bytes
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        max(0, Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}

/// The previews open at once: a newer one closes the oldest past `maximum` (a page that reloads its `<img>` gets
/// the new stream at once; the old one ends within a slice).
final class CameraPreviews: @unchecked Sendable {
    static let maximum = 2

    let camera: (any CameraPreviewing)?
    private let lock = NSLock()
    private var open: [CameraPreviewStream] = []

    init(camera: (any CameraPreviewing)?) { self.camera = camera }

    var count: Int { lock.withLock { open.count } }

    /// A new preview of `camera` that lasts while `stillInStep` holds.
    func open(_ camera: any CameraPreviewing, stillInStep: @escaping @Sendable () -> Bool) -> CameraPreviewStream {
        let stream = CameraPreviewStream(stillInStep: stillInStep) { [weak self] closed in
            guard let self else { return }
            self.lock.withLock { self.open.removeAll { $0 === closed } }
        }
        let evicted = lock.withLock { () -> [CameraPreviewStream] in
            open.append(stream)
            let excess = max(0, open.count - Self.maximum)
            return Array(open.prefix(excess))
        }
        for old in evicted { old.close() }
        stream.start(reading: camera)
        return stream
    }
}
