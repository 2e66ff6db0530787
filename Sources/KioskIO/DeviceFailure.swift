import Glibc

/// What an `errno` from opening or using a device means for the device: the one table every transport (serial, PTY,
/// TCP, usblp, usbfs) and every driver's health use, so the same failure reads the same everywhere
/// (docs/ARCHITECTURE.md §4.1). Pure.
public enum DeviceFailure: String, Sendable, Equatable, CaseIterable {
    /// The device or its node is not there (never plugged in, unplugged, peer gone): reopen when it is back.
    case gone
    /// The node exists but this user may not open it: a udev rule or group is missing.
    case permission
    /// Another program holds the device (TIOCEXCL, usblp's one opener, a libusb claim, our advisory lock).
    case busy
    /// The device stopped answering at the OS level (a dead TCP peer, a USB stall).
    case stalled
    /// Anything else: an I/O error kioskd cannot say more about.
    case other

    public static func classify(errno code: Int32) -> DeviceFailure {
        switch code {
        case ENOENT, ENODEV, ENXIO, EIO, EPIPE, ECONNRESET, ENOTCONN, ESHUTDOWN, ECONNREFUSED, EHOSTUNREACH,
            ENETUNREACH, ENETDOWN:
            .gone
        case EACCES, EPERM, EROFS: .permission
        case EBUSY, EWOULDBLOCK: .busy
        case ETIMEDOUT: .stalled
        default: .other
        }
    }

    /// The health reason code a driver reports for it (stable kebab-case).
    public var reason: String {
        switch self {
        case .gone: "disconnected"
        case .permission: "permission-denied"
        case .busy: "device-busy"
        case .stalled: "not-responding"
        case .other: "io-error"
        }
    }

    /// A sentence for the technician: what it means for `path` and what to do.
    public func advice(for path: String) -> String {
        switch self {
        case .gone: "no such device \(path); check that it is plugged in"
        case .permission: "no permission to open \(path); check the udev rule and the kioskd group"
        case .busy: "\(path) is held by another program"
        case .stalled: "\(path) stopped answering"
        case .other: "\(path) failed"
        }
    }
}

extension TransportError {
    /// Opening or using `path` failed with `error`: a device that is gone becomes `.disconnected` (so every driver
    /// reopens it), anything else stays `.system` with its errno for the driver's health.
    public init(_ error: SystemError, path: String) {
        switch DeviceFailure.classify(errno: error.errno) {
        case .gone: self = .disconnected("\(path): \(error)")
        default: self = .system(error)
        }
    }
}
