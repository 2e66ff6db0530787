import Foundation
import KioskCore
import KioskIO

/// Where `capture` finds a role's traffic: every transport the daemon opens for a role is wrapped in a
/// `RecordingTransport` (DeviceFactory: the reader's opener, the printers' `TransportTap`), and a running capture
/// attaches its recorder to the role's current one and to any the driver reopens meanwhile (docs/device-capture.md).
/// One per process, because the openers are built before the daemon object exists and reopen on the drivers' own
/// threads.
final class CaptureTaps: @unchecked Sendable {
    static let shared = CaptureTaps()

    private final class WeakTransport {
        weak var transport: RecordingTransport?
        init(_ transport: RecordingTransport) { self.transport = transport }
    }

    private let lock = NSLock()
    private var latest: [DeviceRole: WeakTransport] = [:]
    private var recorders: [DeviceRole: CaptureRecorder] = [:]

    /// Wraps a transport just opened for `role`; records at once when a capture of the role is running.
    func wrap(_ role: DeviceRole, _ transport: any ByteTransport) -> any ByteTransport {
        lock.withLock {
            let tap = RecordingTransport(transport, recorder: recorders[role])
            latest[role] = WeakTransport(tap)
            return tap
        }
    }

    /// Starts recording `role`; nil when a capture of it is already running.
    func start(_ role: DeviceRole) -> CaptureRecorder? {
        lock.withLock {
            guard recorders[role] == nil else { return nil }
            let recorder = CaptureRecorder()
            recorders[role] = recorder
            latest[role]?.transport?.attach(recorder)
            return recorder
        }
    }

    func stop(_ role: DeviceRole) {
        lock.withLock {
            recorders[role] = nil
            latest[role]?.transport?.attach(nil)
        }
    }

    /// Whether the daemon has wired `role`'s transports through a tap: the licence printer is reached through cupsd,
    /// and the camera's frames are faces, never tapped.
    func isWired(_ role: DeviceRole) -> Bool { role != .licencePrinter && role != .camera }
}
