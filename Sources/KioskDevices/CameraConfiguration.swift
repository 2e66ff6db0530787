import KioskIO

/// What the camera driver needs besides its frame source: the node it reports in health, the size it asks for, and
/// the timings of its waits (docs/ARCHITECTURE.md §4.9).
public struct CameraConfiguration: Sendable, Hashable {
    /// The node health and errors name (`/dev/kioskd/camera` by the udev rule).
    public var path: String
    public var width: Int
    public var height: Int
    /// How long `probe` and `open` may take.
    public var openTimeout: Duration
    /// No frame for this long while streaming counts as `stalled`.
    public var frameTimeout: Duration
    /// How often a faulted or absent camera is probed again between sessions (hotplug `open` cuts it short).
    public var reprobeInterval: Duration
    /// The identity service's limit on one frame (docs/face-verification.md).
    public var maximumFrameBytes: Int

    public init(
        path: String = "/dev/kioskd/camera", width: Int = 640, height: Int = 480, openTimeout: Duration = .seconds(3),
        frameTimeout: Duration = .seconds(2), reprobeInterval: Duration = .seconds(10),
        maximumFrameBytes: Int = 200 * 1024
    ) {
        self.path = path
        self.width = width
        self.height = height
        self.openTimeout = openTimeout
        self.frameTimeout = frameTimeout
        self.reprobeInterval = reprobeInterval
        self.maximumFrameBytes = maximumFrameBytes
    }
}

extension CameraError {
    /// The camera's health after this error: the stable reasons of docs/ARCHITECTURE.md §4.9, and the failure as
    /// the last error (by the one errno table where the error carries an errno).
    public func health(path: String) -> DeviceHealth {
        switch self {
        case .absent:
            DeviceHealth(
                .disconnected, reasons: ["absent"], lastError: .init(path: path, errno: 0, message: description))
        case .busy:
            DeviceHealth(.faulted, reasons: ["busy"], lastError: .init(path: path, errno: 0, message: description))
        case .permissionDenied:
            DeviceHealth(
                .faulted, reasons: ["permission-denied"],
                lastError: .init(path: path, errno: 0, message: description))
        case .noSupportedFormat, .notACaptureDevice:
            DeviceHealth(
                .faulted, reasons: ["no-supported-format"],
                lastError: .init(path: path, errno: 0, message: description))
        case .stalled, .closed:
            DeviceHealth(
                .disconnected, reasons: ["stalled"], lastError: .init(path: path, errno: 0, message: description))
        case .garbage, .frameTooLarge:
            DeviceHealth(
                .faulted, reasons: ["bad-frames"], lastError: .init(path: path, errno: 0, message: description))
        case .system(let operation, let errno):
            DeviceHealth.failure(path: path, errno: errno, message: "\(operation): \(description)")
        }
    }
}
