import Foundation
import KioskControl
import KioskCore

/// `kioskctl devices [ROLE]`: one block per device, like `mmcli -m 0`.
enum DeviceVerbs {
    static func devices(_ session: DaemonSession, _ words: [String]) -> Int32 {
        guard words.count <= 1 else { return KioskCtl.usageError("devices takes at most one ROLE") }
        var role: DeviceRole?
        if let name = words.first {
            guard let known = DeviceRole(rawValue: name) else {
                let roles = DeviceRole.allCases.map(\.rawValue).joined(separator: ", ")
                return KioskCtl.usageError("unknown role '\(name.prefix(40))'; one of \(roles)")
            }
            role = known
        }
        let reply: DevicesReply
        switch session.call(.devices(role: role), expecting: DevicesReply.self) {
        case .success(let answer): reply = answer
        case .failure(let exit): return exit.code
        }
        Console.line(session.json ? ControlProtocol.encodePretty(reply) : render(reply.devices))
        return reply.devices.contains { $0.required && !$0.isReady } ? ExitCode.failed : ExitCode.ok
    }

    static func render(_ devices: [DeviceReport]) -> String {
        devices.map(block).joined(separator: "\n\n")
    }

    private static func block(_ device: DeviceReport) -> String {
        var rows: [(String, String)] = [
            ("state", device.state + (device.reasons.isEmpty ? "" : " (\(device.reasons.joined(separator: ", ")))")),
            ("endpoint", device.endpoint),
            ("required", device.required ? "yes" : device.endpoint == "not configured" ? "no (not configured)" : "no"),
        ]
        if let since = device.since { rows.append(("since", ControlDates.format(since))) }
        if let model = device.model { rows.append(("model", model)) }
        if let serial = device.serial { rows.append(("serial", serial)) }
        if let sam = device.samID { rows.append(("SAM ID", sam)) }
        if let firmware = device.firmware { rows.append(("firmware", firmware)) }
        if let error = device.lastError {
            var text = error.message
            if let path = error.path { text += " (\(path)" + (error.errno.map { ", errno \($0)" } ?? "") + ")" }
            if let at = error.at { text += " at \(ControlDates.format(at))" }
            rows.append(("last error", text))
        }
        let counters = device.counters
        let counts = [
            counters.cardsRead.map { "\($0) cards read" }, counters.cardErrors.map { "\($0) card errors" },
            counters.receipts.map { "\($0) receipts" }, counters.tickets.map { "\($0) tickets" },
            counters.licences.map { "\($0) licences" },
        ].compactMap { $0 }
        if !counts.isEmpty { rows.append(("counters", counts.joined(separator: ", "))) }
        return ([device.role.rawValue] + rows.map { "  " + Table.pad($0.0, 12) + $0.1 }).joined(separator: "\n")
    }
}
