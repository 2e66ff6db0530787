import Foundation
import KioskIO
import KioskProtocols

/// A camera for `--simulate` and tests (docs/ARCHITECTURE.md §4.9): the JPEGs of a directory, cycled at about
/// 15 frames a second, with faults a test or `kioskctl simulate camera` sets at run time. Blocking like a real
/// camera, and `close()` from any thread wakes a blocked `nextFrame`.
public final class SimulatedCamera: CameraFrameSource, @unchecked Sendable {
    public enum Fault: String, Sendable, CaseIterable {
        /// Frames as usual.
        case ok
        /// Unplugged: probe and open fail, a streaming `nextFrame` fails.
        case absent
        /// Opens, but `nextFrame` blocks until its deadline (or `close()`).
        case stalled
        /// Frames that are not JPEG.
        case garbage
        /// Held by another program: probe and open fail.
        case busy
    }

    /// The name health and errors give the simulated camera.
    public let path: String
    /// The size of the first image (each frame carries its own image's size).
    public let width: Int
    public let height: Int
    private let images: [(jpeg: [UInt8], width: Int, height: Int)]
    private let interval: Duration
    private let condition = NSCondition()
    private var fault = Fault.ok
    private var open = false
    private var nextAt = ContinuousClock.now
    private var index = 0
    private var opens = 0
    private var delivered = 0
    private var stalledCalls = 0

    /// The synthetic faces shipped with kioskd: `/usr/share/kioskd/simulated-camera` once installed, else the
    /// directory next to this source file (development builds).
    public static var shippedDirectory: URL? {
        let candidates = [
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "SimulatedCameraFrames"),
            URL(fileURLWithPath: "/usr/share/kioskd/simulated-camera"),
        ]
        return candidates.first { !Self.jpegs(in: $0).isEmpty }
    }

    public struct NoImages: Error, CustomStringConvertible {
        public let directory: String
        public var description: String { "no *.jpg in \(directory) for the simulated camera" }
    }

    /// Loads every `*.jpg` of `directory`, in name order; fails when there is none, or one is no JPEG.
    public init(directory: URL, framesPerSecond: Int = 15, path: String = "simulated-camera") throws {
        let files = Self.jpegs(in: directory)
        images = try files.map { file in
            let bytes = try [UInt8](Data(contentsOf: file))
            let info = try JPEGFrameInfo(parsing: bytes)
            return (bytes, info.width, info.height)
        }
        guard let first = images.first else { throw NoImages(directory: directory.path) }
        width = first.width
        height = first.height
        interval = .milliseconds(1000 / max(1, framesPerSecond))
        self.path = path
    }

    private static func jpegs(in directory: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.lowercased().hasSuffix(".jpg") }.sorted().map { directory.appendingPathComponent($0) }
    }

    /// Sets the fault from now on; wakes a blocked `nextFrame` so it sees it.
    public func setFault(_ fault: Fault) {
        condition.withLock {
            self.fault = fault
            condition.broadcast()
        }
    }

    public var currentFault: Fault { condition.withLock { fault } }
    /// Whether the camera is streaming (its light would be on).
    public var isOpen: Bool { condition.withLock { open } }
    /// How many times `open` succeeded, and how many frames `nextFrame` gave.
    public var openCount: Int { condition.withLock { opens } }
    public var framesDelivered: Int { condition.withLock { delivered } }

    public func probe(deadline: Deadline) throws(CameraError) {
        let fault = currentFault
        if let refusal = refusal(fault) { throw refusal }
    }

    public func open(deadline: Deadline) throws(CameraError) {
        let refused = condition.withLock { () -> CameraError? in
            if let refusal = refusal(fault) { return refusal }
            open = true
            opens += 1
            nextAt = .now
            return nil
        }
        if let refused { throw refused }
    }

    public func nextFrame(deadline: Deadline) throws(CameraError) -> CameraFrame {
        let result = condition.withLock { () -> Result<CameraFrame, CameraError> in
            while true {
                guard open else { return .failure(.closed) }
                if fault == .absent { return .failure(.absent(path: path)) }
                if deadline.hasPassed { return .failure(.stalled) }
                let stalled = fault == .stalled
                let due = stalled ? deadline.instant : min(nextAt, deadline.instant)
                if !stalled && ContinuousClock.now >= nextAt { break }
                if stalled { changeStalledCalls(by: 1) }
                _ = condition.wait(until: Date(timeIntervalSinceNow: Self.seconds(due - .now)))
                if stalled { changeStalledCalls(by: -1) }
            }
            let now = ContinuousClock.now
            nextAt = max(nextAt + interval, now)
            delivered += 1
            defer { index += 1 }
            if fault == .garbage {
                return .success(CameraFrame(jpeg: Array(repeating: 0x5A, count: 4096), width: width, height: height))
            }
            let image = images[index % images.count]
            return .success(CameraFrame(jpeg: image.jpeg, width: image.width, height: image.height))
        }
        return try result.get()
    }

    /// Waits (at most until `deadline`) until `count` calls are blocked in a stalled `nextFrame`: how a test knows
    /// the driver is stuck before it stops it.
    public func waitForStalledCalls(_ count: Int, deadline: Deadline) -> Bool {
        condition.withLock {
            while stalledCalls != count {
                if deadline.hasPassed { return false }
                _ = condition.wait(until: Date(timeIntervalSinceNow: Self.seconds(deadline.remaining)))
            }
            return true
        }
    }

    /// Called with the lock held.
    private func changeStalledCalls(by change: Int) {
        stalledCalls += change
        condition.broadcast()
    }

    public func close() {
        condition.withLock {
            open = false
            condition.broadcast()
        }
    }

    private func refusal(_ fault: Fault) -> CameraError? {
        switch fault {
        case .absent: .absent(path: path)
        case .busy: .busy(path: path)
        case .ok, .stalled, .garbage: nil
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return max(0, Double(parts.seconds) + Double(parts.attoseconds) / 1e18)
    }
}
