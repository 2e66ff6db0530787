import CKioskSupport
import Glibc

/// What VIDIOC_QUERYCAP and VIDIOC_ENUM_FMT say about a camera: shown by `kioskctl direct camera`, and what
/// `probe` checks without streaming.
public struct V4L2DeviceDescription: Sendable, Hashable {
    public let driver: String
    public let card: String
    public let busInfo: String
    /// The capabilities of this node (device_caps when the driver gives them, else the device's).
    public let capabilities: UInt32
    public let formats: [V4L2FormatDescription]

    /// The format we stream in: MJPEG (or JPEG) as the camera sends it, else YUYV for our own encoder.
    public var chosenFormat: FourCC? {
        let codes = Set(formats.map(\.fourCC))
        return [FourCC.mjpeg, .jpeg, .yuyv].first { codes.contains($0) }
    }
}

public struct V4L2FormatDescription: Sendable, Hashable {
    public let fourCC: FourCC
    public let description: String
    public let compressed: Bool
}

/// The non-streaming half of the V4L2 camera: opening the node and asking what it is (docs/camera-v4l2.md).
enum V4L2Device {
    /// open(2) non-blocking (so DQBUF never blocks; waits are poll(2) with a deadline), errnos mapped onto the
    /// camera's health reasons.
    static func open(_ path: String) throws(CameraError) -> Int32 {
        while true {
            let fd = Glibc.open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
            if fd >= 0 { return fd }
            switch errno {
            case EINTR: continue
            case ENOENT, ENODEV, ENXIO: throw .absent(path: path)
            case EBUSY: throw .busy(path: path)
            case EACCES, EPERM: throw .permissionDenied(path: path)
            case let code: throw .system(operation: "open \(path)", errno: code)
            }
        }
    }

    /// VIDIOC_QUERYCAP (video capture and streaming I/O required), then VIDIOC_ENUM_FMT for capture formats.
    static func describe(_ fd: Int32, path: String) throws(CameraError) -> V4L2DeviceDescription {
        var capability = v4l2_capability()
        if let code = v4l2Ioctl(fd, V4L2Request.queryCapability, &capability) {
            if code == ENOTTY || code == EINVAL {
                throw .notACaptureDevice(path: path, why: "it does not answer VIDIOC_QUERYCAP")
            }
            throw mapped(code, "VIDIOC_QUERYCAP", path: path)
        }
        let caps =
            capability.capabilities & UInt32(V4L2_CAP_DEVICE_CAPS) != 0
            ? capability.device_caps : capability.capabilities
        guard caps & UInt32(V4L2_CAP_VIDEO_CAPTURE) != 0 else {
            throw .notACaptureDevice(path: path, why: "no video capture (capabilities 0x\(String(caps, radix: 16)))")
        }
        guard caps & UInt32(V4L2_CAP_STREAMING) != 0 else {
            throw .notACaptureDevice(path: path, why: "no streaming I/O (capabilities 0x\(String(caps, radix: 16)))")
        }
        var formats: [V4L2FormatDescription] = []
        // A bound: a broken driver that never says EINVAL must not keep us here.
        for index in 0..<64 {
            var description = v4l2_fmtdesc()
            description.index = UInt32(index)
            description.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            if let code = v4l2Ioctl(fd, V4L2Request.enumerateFormat, &description) {
                if code == EINVAL { break }
                throw mapped(code, "VIDIOC_ENUM_FMT", path: path)
            }
            formats.append(
                V4L2FormatDescription(
                    fourCC: FourCC(code: description.pixelformat), description: v4l2String(description.description),
                    compressed: description.flags & UInt32(V4L2_FMT_FLAG_COMPRESSED) != 0))
        }
        return V4L2DeviceDescription(
            driver: v4l2String(capability.driver), card: v4l2String(capability.card),
            busInfo: v4l2String(capability.bus_info), capabilities: caps, formats: formats)
    }

    /// An errno from an ioctl or mmap: ENODEV/ENXIO mean the camera was unplugged, EBUSY another program streams.
    static func mapped(_ code: Int32, _ operation: String, path: String) -> CameraError {
        switch code {
        case ENODEV, ENXIO: .absent(path: path)
        case EBUSY: .busy(path: path)
        default: .system(operation: operation, errno: code)
        }
    }
}
