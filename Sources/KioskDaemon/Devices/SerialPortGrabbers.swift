import Foundation
import KioskCore
import KioskIO

/// Programs that open serial ports they do not own: ModemManager probes every ttyUSB/ttyACM with AT commands (which
/// garble GA 467 traffic) unless udev marks the port `ID_MM_DEVICE_IGNORE=1`; brltty claims common USB-serial bridges
/// as braille displays. Checked at start against the configured serial ports (udev-rules/70-kioskd.rules,
/// docs/ARCHITECTURE.md §4.7).
enum SerialPortGrabbers {
    /// Warnings for `ports` (role → the port's udev device, nil when absent), given the names of the running
    /// processes (`/proc/<pid>/comm`).
    static func warnings(ports: [DeviceRole: UdevDevice?], running: Set<String>) -> [String] {
        var warnings: [String] = []
        for role in DeviceRole.allCases {
            guard let entry = ports[role] else { continue }
            let name = entry?.devnode ?? "its serial port"
            if running.contains("ModemManager"), entry?.properties["ID_MM_DEVICE_IGNORE"] != "1" {
                warnings.append(
                    "ModemManager is running and may probe \(role.rawValue) (\(name)) with AT commands: give the port "
                        + "ENV{ID_MM_DEVICE_IGNORE}=\"1\" (udev-rules/70-kioskd.rules) or stop ModemManager")
            }
            if running.contains("brltty") {
                warnings.append(
                    "brltty is running and may claim \(role.rawValue)'s USB-serial bridge (\(name)) as a braille "
                        + "display: remove or disable brltty on a kiosk terminal")
            }
        }
        return warnings
    }

    /// The command names of the running processes, from `/proc/<pid>/comm`.
    static func runningProcessNames() -> Set<String> {
        var names: Set<String> = []
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return names }
        for entry in entries where entry.allSatisfy(\.isNumber) {
            if let comm = try? String(contentsOfFile: "/proc/\(entry)/comm", encoding: .utf8) {
                names.insert(comm.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        return names
    }
}
