/// One JPEG frame from a camera. Its bytes are a citizen's face: held in memory only for the exchange with the
/// central identity service and the preview, and zeroed by `wipe()` when the step ends (docs/face-verification.md).
public final class CameraFrame: @unchecked Sendable {
    /// The JPEG (SOI … EOI).
    public private(set) var jpeg: [UInt8]
    public let width: Int
    public let height: Int

    public init(jpeg: [UInt8], width: Int, height: Int) {
        self.jpeg = jpeg
        self.width = width
        self.height = height
    }

    /// Overwrites the bytes with zeros and drops them.
    public func wipe() {
        jpeg.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            memsetZero(base, raw.count)
        }
        jpeg = []
    }

    deinit { wipe() }
}

/// Why a camera gave no frame; maps onto the health reasons absent, busy, no-supported-format and stalled.
public enum CameraError: Error, Sendable, Hashable, CustomStringConvertible {
    case absent(path: String)
    case busy(path: String)
    case permissionDenied(path: String)
    /// The node is there but is no V4L2 video capture device with streaming I/O (`why` says which part is missing).
    case notACaptureDevice(path: String, why: String)
    /// Neither MJPEG nor YUYV at a usable size; `offered` lists what the device offers (FourCCs).
    case noSupportedFormat(offered: [String])
    /// No frame arrived before the deadline.
    case stalled
    /// A frame arrived that is not a JPEG we can use (`why` says what is wrong with it).
    case garbage(why: String)
    /// The frame is larger than the limit of the identity service.
    case frameTooLarge(bytes: Int, limit: Int)
    case closed
    case system(operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .absent(let path): "no camera at \(path)"
        case .busy(let path): "\(path) is in use by another program"
        case .permissionDenied(let path): "no permission to open \(path)"
        case .notACaptureDevice(let path, let why): "\(path) is not a V4L2 capture device: \(why)"
        case .noSupportedFormat(let offered):
            "the camera offers neither MJPEG nor YUYV (offers \(offered.isEmpty ? "nothing" : offered.joined(separator: ", ")))"
        case .stalled: "no frame arrived in time"
        case .garbage(let why): "unusable frame: \(why)"
        case .frameTooLarge(let bytes, let limit): "frame of \(bytes) bytes is over the \(limit)-byte limit"
        case .closed: "the camera was closed"
        case .system(let operation, let errno): "\(operation) failed (errno \(errno))"
        }
    }
}

/// Where frames come from: a V4L2 device (`V4L2Camera`) or, for `--simulate` and tests, a directory of JPEGs. Calls
/// block, so a driver makes them on its `BlockingLane`; `close()` may come from any thread and wakes a blocked
/// `nextFrame`.
public protocol CameraFrameSource: AnyObject, Sendable {
    /// Opens the device, checks it can give frames at the configured size (capabilities, formats) and closes it again,
    /// without streaming (so the camera's light stays off): how a driver knows a camera is there between sessions.
    func probe(deadline: Deadline) throws(CameraError)
    /// Opens the device and starts streaming at the configured size.
    func open(deadline: Deadline) throws(CameraError)
    /// The next frame, as JPEG.
    func nextFrame(deadline: Deadline) throws(CameraError) -> CameraFrame
    /// Stops streaming and closes the device; idempotent.
    func close()
}

/// Zeroes a buffer through an opaque pointer, a store the optimiser keeps even though the buffer is freed next.
private func memsetZero(_ base: UnsafeMutableRawPointer, _ count: Int) {
    base.initializeMemory(as: UInt8.self, repeating: 0, count: count)
}
