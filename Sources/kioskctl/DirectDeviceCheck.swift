import Foundation
import KioskControl
import KioskDaemon
import KioskIO

/// Before direct mode touches a device node: a path that is not there is "no such device" (not "disconnected,
/// reconnect it"), and a node kioskd has open is refused, since direct mode would fight the daemon over it
/// (docs/ARCHITECTURE.md §4.7) — for `printer-status` with where the daemon's own view is.
enum DirectDeviceCheck {
    static func refusal(_ sub: String, _ arguments: [String], socket: String) -> Int32? {
        if let refusal = networkPrinterRefusal(sub, arguments, socket: socket) { return refusal }
        for (option, path) in zip(arguments, arguments.dropFirst()) where option == "--port" || option == "--usblp" {
            guard FileManager.default.fileExists(atPath: path) else {
                let device = sub == "read-card" || sub == "sam-id" ? "the ID-card reader" : "the printer"
                return KioskCtl.failure(
                    "cannot use \(device) on \(path): no such device \(path) (is it plugged in? "
                        + "`ls -l /dev/serial/by-id /dev/usb` lists what is)")
            }
            guard DeviceNodeLock.probe(path) == .held else { continue }
            if sub == "printer-status" {
                return KioskCtl.failure(
                    "\(path) is a printer kioskd holds; ask the daemon instead: kioskctl devices receiptPrinter (or "
                        + "ticketDispenser). Direct mode would fight kioskd over the device.")
            }
            return KioskCtl.failure(
                "\(path) is in use by kioskd (or another program holds it); direct mode would fight it over the "
                    + "device. Stop kioskd first (systemctl stop kioskd), or use the daemon's own commands "
                    + "(kioskctl status, kioskctl devices).")
        }
        return nil
    }

    /// A TCP printer has no lock to probe: ask a running kioskd (quietly, briefly) whether it is one of its devices.
    /// No kioskd, or one that does not answer, means no refusal.
    private static func networkPrinterRefusal(_ sub: String, _ arguments: [String], socket: String) -> Int32? {
        guard let index = arguments.firstIndex(of: "--tcp"), index + 1 < arguments.count,
            ["printer-status", "test-receipt", "dispense-ticket"].contains(sub),
            let client = try? ControlClient(path: socket, timeout: .seconds(1)),
            case .success(let reply)? = try? client.send(
                .devices(role: nil), expecting: DevicesReply.self, timeout: .seconds(2))
        else { return nil }
        let address = arguments[index + 1]
        guard let device = reply.devices.first(where: { $0.endpoint == "tcp \(address)" }) else { return nil }
        let role = device.role.rawValue
        if sub == "printer-status" {
            return KioskCtl.failure(
                "\(address) is the \(role) kioskd holds (\(device.state)); ask the daemon instead: kioskctl devices "
                    + "\(role). Direct mode would fight kioskd over the printer.")
        }
        return KioskCtl.failure(
            "\(address) is the \(role) kioskd holds; direct mode would fight it over the printer. Stop kioskd first "
                + "(systemctl stop kioskd), or use the daemon's own commands (kioskctl devices \(role)).")
    }
}
