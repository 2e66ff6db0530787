import Foundation
import KioskDaemon
import KioskIO

/// `kioskctl capture ROLE --out FILE [--seconds N] [--include-personal-data]`: asks kioskd (admin.sock) for a
/// timestamped hex trace of ROLE's traffic and writes it to FILE (docs/device-capture.md). Exit codes: 0 written,
/// 1 failed, 2 usage, 3 kioskd unreachable, 4 permission denied.
enum CaptureCommand {
    static let defaultSocket = "/run/kioskd/admin.sock"

    static let usage = """
        usage: kioskctl [--socket ADMIN.SOCK] capture ROLE --out FILE [--seconds N] [--include-personal-data]
          Records ROLE's traffic (idReader, receiptPrinter or ticketDispenser) in both directions for N seconds
          (default 10, at most 300) and writes the trace to FILE: a header line, then one line per transport call —
          seconds since start, > host→device or < device→host, hex bytes. The card's text block and photo, and
          printed text, are masked unless --include-personal-data (every capture is recorded in the audit log).
          Replay it with: kioskctl simulate id-reader|receipt-printer|dispenser --replay FILE
          --socket PATH   kioskd's admin socket (default \(defaultSocket))
        exit codes: 0 written, 1 failed, 2 usage, 3 kioskd unreachable, 4 permission denied
        """

    /// Whether `arguments` (everything after `kioskctl`) is a capture command, with or without `--socket` first.
    static func matches(_ arguments: [String]) -> Bool {
        var index = 0
        while index < arguments.count {
            switch arguments[index] {
            case "--socket": index += 2
            case "--json": index += 1
            case let word: return word == "capture"
            }
        }
        return false
    }

    static func run(_ arguments: [String]) -> Int32 {
        let args: Arguments
        do {
            args = try Arguments(
                arguments, valued: ["socket", "out", "seconds"], switches: ["json", "help", "include-personal-data"])
        } catch {
            return usageError(error.description)
        }
        if args.flags.contains("help") || args.positionals.contains("help") {
            Console.line(usage)
            return 0
        }
        let positionals = args.positionals.filter { $0 != "capture" }
        guard positionals.count == 1, let role = positionals.first else {
            return usageError("capture needs one ROLE (idReader, receiptPrinter or ticketDispenser)")
        }
        guard let out = args.values["out"], !out.isEmpty else { return usageError("capture needs --out FILE") }
        let seconds: Int
        do {
            seconds = try args.integer("seconds") ?? 10
        } catch {
            return usageError(error.description)
        }
        guard (1...300).contains(seconds) else { return usageError("--seconds must be 1–300, got \(seconds)") }
        let socket = args.values["socket"] ?? defaultSocket
        if let unreachable = reachability(socket) { return unreachable }
        let personal = args.flags.contains("include-personal-data")
        let reply: [String: Any]
        do {
            let client = try ControlClient(path: socket)
            reply = try client.request(
                ["command": "capture", "role": role, "seconds": seconds, "includePersonalData": personal],
                timeout: .seconds(seconds + 30))
        } catch {
            Console.error("kioskctl: \(error)")
            return 3
        }
        guard reply["ok"] as? Bool == true, let trace = reply["trace"] as? String else {
            return KioskCtl.failure("kioskd: \(reply["error"] ?? "capture failed")")
        }
        do {
            try Data(trace.utf8).write(to: URL(fileURLWithPath: out))
        } catch {
            return KioskCtl.failure("cannot write \(out): \(error.localizedDescription)")
        }
        let chunks = reply["chunks"] as? Int ?? 0
        let truncated = reply["truncated"] as? Bool == true ? " (truncated: the capture limit was reached)" : ""
        Console.error(
            "captured \(chunks) chunks of \(role) in \(seconds) s to \(out)\(truncated)"
                + (personal ? "; it CONTAINS PERSONAL DATA" : ", personal data masked"))
        return 0
    }

    /// Exit 3 or 4 with the reason when the socket cannot be used, nil when it looks usable.
    private static func reachability(_ socket: String) -> Int32? {
        guard access(socket, R_OK | W_OK) != 0 else { return nil }
        if errno == EACCES {
            Console.error("kioskctl: permission denied on \(socket): capture needs root or kioskd's own user")
            return 4
        }
        Console.error("kioskctl: no kioskd admin socket at \(socket): is kioskd running? (systemctl status kioskd)")
        return 3
    }

    private static func usageError(_ message: String) -> Int32 {
        Console.error("kioskctl: \(message)\n\(usage)")
        return 2
    }
}
