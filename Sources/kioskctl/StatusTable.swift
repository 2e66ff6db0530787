import Foundation
import KioskControl

/// `kioskctl status` as a technician reads it.
enum StatusTable {
    static func render(_ status: StatusReply) -> String {
        var lines: [String] = []
        lines.append(
            "kioskd \(status.version)  kiosk \(status.kioskID)  \(status.mode)  up \(status.uptimeSeconds) s  "
                + "protocol \(status.protocol)")
        lines.append("")
        lines.append(Table.pad("ROLE", 17) + Table.pad("STATE", 14) + Table.pad("REASONS", 30) + "ENDPOINT")
        for device in status.devices {
            let reasons = device.reasons.joined(separator: ",")
            lines.append(
                Table.pad(device.role.rawValue, 17) + Table.pad(device.state, 14)
                    + Table.pad(reasons.isEmpty ? "-" : reasons, 30) + device.endpoint)
        }
        lines.append("")
        let flow = status.flow
        var text = "flow: \(flow.step)"
        if let id = flow.transactionID { text += " (transaction \(id))" }
        if let reason = flow.handOffReason { text += ", handed off: \(reason)" }
        if let reason = flow.cancelReason { text += ", cancelled: \(reason)" }
        lines.append(text + " since \(ControlDates.format(flow.since))")
        let store = status.store
        if store.state == "ok" {
            lines.append(
                "store: \(store.completedTransactions ?? 0) completed, \(store.pendingOutbox ?? 0) waiting for the "
                    + "server, \(store.unresolvedLicenceJobs ?? 0) licence jobs unresolved")
        } else {
            lines.append("store: ERROR \(store.error ?? (store.reasons ?? []).joined(separator: ", "))")
        }
        let central = status.central
        if let pull = central?["pull"] {
            let certificate = pull["certificateSHA256"]?.stringValue.map { ", certificate SHA-256 \($0)" } ?? ", no TLS"
            lines.append("pull API: \(pull["url"]?.stringValue ?? "?")\(certificate)")
        }
        var ui = "touch UI: \(status.ui["url"]?.stringValue ?? "?")"
        if let streams = status.ui["streams"]?.intValue { ui += ", \(streams) screen stream(s)" }
        if let inhibited = status.ui["inhibited"] {
            ui +=
                ", OUT OF SERVICE since \(inhibited["since"]?.stringValue ?? "?") "
                + "(\(inhibited["by"]?.stringValue ?? "?")): \(inhibited["reason"]?.stringValue ?? "")"
        }
        lines.append(ui)
        if let metrics = central?["metrics"] {
            lines.append("metrics: \(metrics["url"]?.stringValue ?? "?")/metrics (and /healthz)")
        }
        if let push = central?["push"] {
            var line =
                "push: \(push["url"]?.stringValue ?? "?") \(push["state"]?.stringValue ?? "?"), "
                + "\(push["pushedEvents"]?.intValue ?? 0) pushed"
            if let success = push["lastSuccess"]?.stringValue { line += ", last success \(success)" }
            if let until = push["backoffUntil"]?.stringValue { line += ", retrying after \(until)" }
            if let rejected = push["rejected"]?.stringValue {
                line += ", REJECTED \(rejected) (central-rejected)"
            } else if let error = push["lastError"]?.stringValue {
                line += ", last error: \(error)"
            }
            lines.append(line)
        }
        let mode = status.authority.mode == "central" ? "the central registration service" : "embedded"
        lines.append("authority: \(mode)\(status.authority.warning.map { " — WARNING: \($0)" } ?? "")")
        if status.log.droppedLines > 0 {
            lines.append("log: \(status.log.droppedLines) lines dropped (stderr could not be written)")
        }
        return lines.joined(separator: "\n")
    }
}

/// Column padding for the tables.
enum Table {
    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    static func render(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        let format = { (row: [String]) -> String in
            row.enumerated().map { index, cell in index == row.count - 1 ? cell : pad(cell, widths[index] + 1) }
                .joined()
        }
        return ([format(header)] + rows.map(format)).joined(separator: "\n")
    }
}
