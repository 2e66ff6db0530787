/// One device as udev describes it: what `UdevMonitor` reads from a uevent or an enumeration and the hotplug planner
/// decides on (docs/ARCHITECTURE.md §4.7). A plain value, so the planner can be driven by tests without libudev.
public struct UdevDevice: Sendable, Hashable, CustomStringConvertible {
    /// `tty`, `usb`, `usbmisc`, ...
    public var subsystem: String
    /// `usb_device`, `usb_interface`, ... (udev's DEVTYPE); nil when udev gives none.
    public var devtype: String?
    /// `/dev/ttyUSB0`, `/dev/bus/usb/001/004`; nil for devices without a node (USB interfaces).
    public var devnode: String?
    /// The kernel's path of the device (`/devices/pci0000:00/...`), udev's key for a device while it exists.
    public var syspath: String
    /// udev properties: KIOSKD_ROLE, ID_VENDOR_ID, ID_MODEL_ID, ID_SERIAL_SHORT, ID_PATH, DEVLINKS, ...
    public var properties: [String: String]

    public init(
        subsystem: String, devtype: String? = nil, devnode: String?, syspath: String, properties: [String: String] = [:]
    ) {
        self.subsystem = subsystem
        self.devtype = devtype ?? properties["DEVTYPE"]
        self.devnode = devnode
        self.syspath = syspath
        self.properties = properties
    }

    /// The symlinks udev made for the node (`/dev/kioskd/idReader`, `/dev/serial/by-id/...`).
    public var devlinks: [String] {
        (properties["DEVLINKS"] ?? "").split(separator: " ").map(String.init)
    }

    public var description: String { "\(subsystem) \(devnode ?? syspath)" }
}

/// What udev says happened to a device.
public struct UdevEvent: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable {
        case add, remove, change, move, bind, unbind, online, offline
    }

    public var action: Action
    public var device: UdevDevice

    public init(_ action: Action, _ device: UdevDevice) {
        self.action = action
        self.device = device
    }
}
