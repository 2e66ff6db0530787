import Foundation
import KioskDaemon

/// Commands that talk to a running kioskd over its control socket: `[--socket PATH] [--json] status`.
enum DaemonCommands {
    static let defaultSocket = "/run/kioskd/kioskd.sock"

    static func run(_ arguments: [String]) -> Int32 {
        let parsed: Arguments
        do {
            parsed = try Arguments(arguments, valued: ["socket"], switches: ["json"])
        } catch {
            return KioskCtl.usageError(error.description)
        }
        guard let command = parsed.positionals.first else { return KioskCtl.usageError("no command given") }
        let socket = parsed.values["socket"] ?? defaultSocket
        switch command {
        case "status":
            guard parsed.positionals.count == 1 else { return KioskCtl.usageError("status takes no arguments") }
            return status(socket: socket, json: parsed.flags.contains("json"))
        default:
            return KioskCtl.usageError("unknown command '\(command)'")
        }
    }

    private static func status(socket: String, json: Bool) -> Int32 {
        let reply: [String: Any]
        do {
            reply = try ControlClient(path: socket).request(["command": "status"])
        } catch {
            return KioskCtl.failure("\(error)")
        }
        guard reply["ok"] as? Bool == true else { return KioskCtl.failure("kioskd: \(reply["error"] ?? "error")") }
        if json {
            let data =
                (try? JSONSerialization.data(
                    withJSONObject: reply, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data()
            Console.line(String(decoding: data, as: UTF8.self))
            return 0
        }
        Console.line(StatusTable.render(reply))
        return 0
    }
}

/// `kioskctl status` as a technician reads it.
enum StatusTable {
    static func render(_ status: [String: Any]) -> String {
        var lines: [String] = []
        lines.append(
            "kioskd \(status["version"] ?? "?")  kiosk \(status["kioskID"] ?? "?")  \(status["mode"] ?? "?")  up \(status["uptimeSeconds"] ?? 0) s"
        )
        lines.append("")
        lines.append(pad("ROLE", 17) + pad("STATE", 14) + pad("REASONS", 30) + "ENDPOINT")
        for device in status["devices"] as? [[String: Any]] ?? [] {
            let reasons = (device["reasons"] as? [String] ?? []).joined(separator: ",")
            lines.append(
                pad("\(device["role"] ?? "?")", 17) + pad("\(device["state"] ?? "?")", 14)
                    + pad(reasons.isEmpty ? "-" : reasons, 30) + "\(device["endpoint"] ?? "")")
        }
        lines.append("")
        if let flow = status["flow"] as? [String: Any] {
            var text = "flow: \(flow["step"] ?? "?")"
            if let id = flow["transactionID"] { text += " (transaction \(id))" }
            if let reason = flow["handOffReason"] { text += ", handed off: \(reason)" }
            if let reason = flow["cancelReason"] { text += ", cancelled: \(reason)" }
            lines.append(text + " since \(flow["since"] ?? "?")")
        }
        if let store = status["store"] as? [String: Any] {
            if store["state"] as? String == "ok" {
                lines.append(
                    "store: \(store["completedTransactions"] ?? 0) completed, \(store["pendingOutbox"] ?? 0) waiting for the server, \(store["unresolvedLicenceJobs"] ?? 0) licence jobs unresolved"
                )
            } else {
                lines.append("store: ERROR \(store["error"] ?? "")")
            }
        }
        if let pull = (status["central"] as? [String: Any])?["pull"] as? [String: Any] {
            let certificate = (pull["certificateSHA256"] as? String).map { ", certificate SHA-256 \($0)" } ?? ", no TLS"
            lines.append("pull API: \(pull["url"] ?? "?")\(certificate)")
        }
        if let ui = status["ui"] as? [String: Any] {
            var line = "touch UI: \(ui["url"] ?? "?")"
            if let streams = ui["streams"] as? Int { line += ", \(streams) screen stream(s)" }
            if let inhibited = ui["inhibited"] as? [String: Any] {
                line +=
                    ", OUT OF SERVICE since \(inhibited["since"] ?? "?") (\(inhibited["by"] ?? "?")): "
                    + "\(inhibited["reason"] ?? "")"
            }
            lines.append(line)
        }
        if let push = (status["central"] as? [String: Any])?["push"] as? [String: Any] {
            var line = "push: \(push["url"] ?? "?") \(push["state"] ?? "?"), \(push["pushedEvents"] ?? 0) pushed"
            if let success = push["lastSuccess"] as? String { line += ", last success \(success)" }
            if let until = push["backoffUntil"] as? String { line += ", retrying after \(until)" }
            if let rejected = push["rejected"] as? String {
                line += ", REJECTED \(rejected) (central-rejected)"
            } else if let error = push["lastError"] as? String {
                line += ", last error: \(error)"
            }
            lines.append(line)
        }
        if let authority = status["authority"] as? [String: Any] {
            let mode = authority["mode"] as? String == "central" ? "the central registration service" : "embedded"
            let warning = (authority["warning"] as? String).map { " — WARNING: \($0)" } ?? ""
            lines.append("authority: \(mode)\(warning)")
        }
        if let dropped = (status["log"] as? [String: Any])?["droppedLines"] as? Int, dropped > 0 {
            lines.append("log: \(dropped) lines dropped (stderr could not be written)")
        }
        return lines.joined(separator: "\n")
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
