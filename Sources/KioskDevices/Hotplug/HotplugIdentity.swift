import KioskIO

/// Who a device is, independent of the `/dev` node it got this time: its USB serial number when it has one (with
/// VID:PID, since serials are unique only per vendor and model, and the interface number, since the ports of a
/// multi-port serial adapter share one serial), else the physical port it is plugged into (`ID_PATH`), else — for
/// devices udev knows nothing about — its kernel path.
public struct HotplugIdentity: Sendable, Hashable, CustomStringConvertible {
    public let description: String

    public init(_ device: UdevDevice) {
        let properties = device.properties
        if let serial = properties["ID_SERIAL_SHORT"], !serial.isEmpty {
            let vendor = properties["ID_VENDOR_ID"] ?? "?"
            let model = properties["ID_MODEL_ID"] ?? "?"
            let interface = properties["ID_USB_INTERFACE_NUM"].map { ":if\($0)" } ?? ""
            description = "serial:\(vendor):\(model):\(serial)\(interface)"
        } else if let path = properties["ID_PATH"], !path.isEmpty {
            description = "path:\(path)"
        } else {
            description = "sys:\(device.syspath)"
        }
    }
}

extension UdevDevice {
    /// The stable identity: the same physical device keeps it when it comes back on another node.
    public var identity: HotplugIdentity { HotplugIdentity(self) }
}
