import Foundation
import KioskControl
import KioskCore
import KioskIO

/// The host around the devices: ModemManager or brltty running where they would grab a configured serial port
/// (SerialPortGrabbers, the same warnings kioskd logs at start; docs/ARCHITECTURE.md §4.7).
struct SelftestHost: Sendable {
    let daemon: Daemon

    func run() -> [SelftestCheck] {
        let serialTargets = daemon.deviceManager.targets.filter { $0.subsystem == "tty" }
        guard !serialTargets.isEmpty else {
            return [SelftestCheck(.host, "serial ports", .pass, "no serial port configured")]
        }
        let devices = Self.ttyDevices()
        var ports: [DeviceRole: UdevDevice?] = [:]
        for target in serialTargets { ports[target.role] = .some(devices.first { target.matches($0) }) }
        let warnings = SerialPortGrabbers.warnings(ports: ports, running: SerialPortGrabbers.runningProcessNames())
        guard !warnings.isEmpty else {
            let roles = serialTargets.map(\.role.rawValue).joined(separator: ", ")
            return [SelftestCheck(.host, "serial ports", .pass, "no ModemManager or brltty to grab \(roles)")]
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
