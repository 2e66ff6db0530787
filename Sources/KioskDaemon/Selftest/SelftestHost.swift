import Foundation
import KioskControl
import KioskCore
import KioskIO

/// The host around the devices: ModemManager or brltty running where they would grab a configured serial port
/// (SerialPortGrabbers, the same warnings kioskd logs at start; docs/ARCHITECTURE.md §4.7).
struct SelftestHost: Sendable {
    let daemon: Daemon

    func run() -> [SelftestCheck] {
        var paths: [DeviceRole: String] = [:]
        for (role, device) in daemon.config.devices {
            if case .serial(let path, _) = device.endpoint { paths[role] = path }
        }
        guard !paths.isEmpty else { return [SelftestCheck(.host, "serial ports", .pass, "no serial port configured")] }
        let devices = Self.ttyDevices()
        let targets = daemon.deviceManager.targets
        var ports: [DeviceRole: UdevDevice?] = [:]
        for (role, path) in paths {
            let node = DeviceManager.resolve(path)
            let target = targets.first { $0.role == role && $0.subsystem == "tty" }
            ports[role] = .some(devices.first { target?.matches($0) ?? ($0.devnode == node) })
        }
        let warnings = SerialPortGrabbers.warnings(ports: ports, running: SerialPortGrabbers.runningProcessNames())
        guard !warnings.isEmpty else {
            let roles = paths.keys.map(\.rawValue).sorted().joined(separator: ", ")
            return [SelftestCheck(.host, "serial ports", .pass, "no ModemManager or brltty running to grab \(roles)")]
        }
        return warnings.map { SelftestCheck(.host, "serial ports", .warn, Selftest.oneLine($0)) }
    }

    /// The tty devices udev knows now (their properties say whether ModemManager leaves them alone); none where udev
    /// cannot be asked (a container), and then every configured port counts as unmarked.
    static func ttyDevices() -> [UdevDevice] {
        guard let monitor = try? UdevMonitor(filters: [UdevMonitor.Filter(subsystem: "tty")], tag: nil) else {
            return []
        }
        defer { monitor.close() }
        return (try? monitor.enumerate()) ?? []
    }
}
