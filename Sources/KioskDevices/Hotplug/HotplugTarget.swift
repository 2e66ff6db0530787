import KioskCore
import KioskIO

/// One configured role the planner looks for: which udev subsystem carries the node its driver opens, and how a
/// device is recognised as that role (docs/ARCHITECTURE.md §4.7).
public struct HotplugTarget: Sendable, Hashable {
    /// How a device is matched to the role. A device carrying `KIOSKD_ROLE=<role>` (set by udev-rules/70-kioskd.rules)
    /// always matches, whatever the criterion.
    public enum Criterion: Sendable, Hashable, CustomStringConvertible {
        /// The node itself or one of its udev symlinks (`/dev/kioskd/idReader`, `/dev/ttyUSB0`).
        case node(String)
        /// USB vendor and product id, and the serial number when the terminal has two of one model.
        case usb(vendorID: UInt16, productID: UInt16, serialNumber: String?)
        /// The physical port (udev's `ID_PATH`), for devices without a serial number.
        case idPath(String)

        public var description: String {
            switch self {
            case .node(let path): path
            case .usb(let vendor, let product, let serial):
                "usb \(hex4(vendor)):\(hex4(product))" + (serial.map { " serial \($0)" } ?? "")
            case .idPath(let path): "ID_PATH \(path)"
            }
        }
    }

    public var role: DeviceRole
    /// `tty` for serial readers and printers, `usbmisc` for usblp, `usb` (DEVTYPE usb_device) for libusb.
    public var subsystem: String
    /// Required DEVTYPE, e.g. `usb_device` so a USB device's interfaces are not taken for it.
    public var devtype: String?
    public var criterion: Criterion

    public init(role: DeviceRole, subsystem: String, devtype: String? = nil, criterion: Criterion) {
        self.role = role
        self.subsystem = subsystem
        self.devtype = devtype
        self.criterion = criterion
    }

    /// Whether `device` is this role's device.
    public func matches(_ device: UdevDevice) -> Bool {
        guard device.subsystem == subsystem, devtype == nil || device.devtype == devtype, device.devnode != nil
        else { return false }
        if device.properties["KIOSKD_ROLE"] == role.rawValue { return true }
        switch criterion {
        case .node(let path):
            return device.devnode == path || device.devlinks.contains(path)
        case .usb(let vendor, let product, let serial):
            guard device.properties["ID_VENDOR_ID"].flatMap({ UInt16($0, radix: 16) }) == vendor,
                device.properties["ID_MODEL_ID"].flatMap({ UInt16($0, radix: 16) }) == product
            else { return false }
            return serial == nil || device.properties["ID_SERIAL_SHORT"] == serial
        case .idPath(let path):
            return device.properties["ID_PATH"] == path
        }
    }
}

func hex4(_ value: UInt16) -> String {
    let text = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 4 - text.count)) + text
}
