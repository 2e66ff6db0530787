import CKioskSupport
import Glibc

/// The VIDIOC_* request numbers, built as the kernel's _IOC macro builds them (include/uapi/asm-generic/ioctl.h:
/// direction << 30 | size << 16 | type << 8 | number) from the struct sizes Swift sees. V4L2LayoutTests compares
/// them with the kernel headers compiled by gcc (docs/camera-v4l2.md).
enum V4L2Request {
    private static let write: UInt = 1
    private static let read: UInt = 2

    private static func make<T>(_ direction: UInt, _ number: UInt, _: T.Type) -> UInt {
        direction << 30 | UInt(MemoryLayout<T>.size) << 16 | UInt(UInt8(ascii: "V")) << 8 | number
    }

    static let queryCapability = make(read, 0, v4l2_capability.self)
    static let enumerateFormat = make(read | write, 2, v4l2_fmtdesc.self)
    static let getFormat = make(read | write, 4, v4l2_format.self)
    static let setFormat = make(read | write, 5, v4l2_format.self)
    static let requestBuffers = make(read | write, 8, v4l2_requestbuffers.self)
    static let queryBuffer = make(read | write, 9, v4l2_buffer.self)
    static let queueBuffer = make(read | write, 15, v4l2_buffer.self)
    static let dequeueBuffer = make(read | write, 17, v4l2_buffer.self)
    static let streamOn = make(write, 18, Int32.self)
    static let streamOff = make(write, 19, Int32.self)
}

/// A FourCC pixel format code, as v4l2_fourcc() packs it (first letter in the low byte).
public struct FourCC: Sendable, Hashable, CustomStringConvertible {
    public let code: UInt32

    public init(code: UInt32) { self.code = code }

    public init(_ text: StaticString) {
        let bytes = text.withUTF8Buffer { Array($0) }
        precondition(bytes.count == 4, "a FourCC has four letters")
        code = bytes.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
    }

    public static let mjpeg = FourCC("MJPG")
    public static let jpeg = FourCC("JPEG")
    public static let yuyv = FourCC("YUYV")

    /// The four letters, with unprintable bytes as "?" and trailing spaces kept.
    public var description: String {
        String(
            (0..<4).map { index -> Character in
                let byte = UInt8(truncatingIfNeeded: code >> (8 * UInt32(index)))
                return (0x20...0x7E).contains(byte) ? Character(Unicode.Scalar(byte)) : "?"
            })
    }
}

/// One ioctl through the C shim (ioctl(2) is variadic), retried on EINTR; the errno on failure.
func v4l2Ioctl<T>(_ fd: Int32, _ request: UInt, _ argument: inout T) -> Int32? {
    while true {
        let result = withUnsafeMutablePointer(to: &argument) { kiosk_ioctl_ptr(fd, request, $0) }
        if result >= 0 { return nil }
        let code = errno
        if code != EINTR { return code }
    }
}

/// Reads a NUL-terminated C char array imported as a tuple (v4l2_capability.driver etc.).
func v4l2String<T>(_ tuple: T) -> String {
    withUnsafeBytes(of: tuple) { raw in
        let bytes = raw.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }
}
