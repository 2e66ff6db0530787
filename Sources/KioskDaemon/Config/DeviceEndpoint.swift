/// Where a device is attached, as the configuration says.
public enum DeviceEndpoint: Sendable, Hashable, CustomStringConvertible {
    case serial(path: String, baud: Int)
    case tcp(host: String, port: Int)
    case usblp(path: String)
    case usb(vendorID: UInt16, productID: UInt16, serialNumber: String?)
    /// A CUPS queue on a cupsd reached through `server` (a socket path or host; nil = the default).
    case cups(queue: String, server: String?)
    /// A V4L2 camera node and the frame size asked of it (`devices.camera`).
    case v4l2(path: String, width: Int, height: Int)

    public var description: String {
        switch self {
        case .serial(let path, let baud): "serial \(path) @\(baud)"
        case .tcp(let host, let port): "tcp \(host):\(port)"
        case .usblp(let path): "usblp \(path)"
        case .usb(let vid, let pid, let serial):
            "usb " + hex(vid) + ":" + hex(pid) + (serial.map { " serial \($0)" } ?? "")
        case .cups(let queue, let server): "cups queue \(queue)" + (server.map { " on \($0)" } ?? "")
        case .v4l2(let path, let width, let height): "v4l2 \(path) \(width)x\(height)"
        }
    }
}

private func hex(_ value: UInt16) -> String {
    let text = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 4 - text.count)) + text
}
