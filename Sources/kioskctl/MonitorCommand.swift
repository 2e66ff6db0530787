import Foundation
import Glibc
import KioskDaemon

/// `kioskctl monitor [--json]`: kioskd's events as they happen — device health, cards (masked), flow steps, prints,
/// staff calls, central sync — one line each, until Ctrl-C or SIGTERM (exit 0), like `mmcli --monitor-modems`.
enum MonitorCommand {
    static let help = """
        usage: kioskctl [--socket PATH] monitor [--json]
          Streams kioskd's events, one line per event, until Ctrl-C (exit 0):
            device   a device's health changed (state, reasons)
            card     a card was presented, read (ID number masked), failed, removed
            flow     the flow's steps, refusals and endings
            print    a licence, receipt or ticket was sent, and how it ended
            staff    staff called, staff acted
            central  pushes to the centre, their retries and refusals
          --json          one JSON object per line: first kioskd's answer (class "monitor"), then one per
                          event (class "event": seq, at, kind, event, detail, text)
          --socket PATH   kioskd's socket (default \(OpsCommands.statusSocket))
        exit: 0 stopped by Ctrl-C/SIGTERM, 1 kioskd ended the stream, 2 usage, 3 kioskd unreachable,
              4 permission denied
        """

    static func run(_ arguments: [String]) -> Int32 {
        let parsed: Arguments
        do {
            parsed = try Arguments(arguments, valued: ["socket"], switches: ["json", "help"])
        } catch {
            return usage(error.description)
        }
        if parsed.flags.contains("help") {
            Console.line(help)
            return 0
        }
        guard parsed.positionals.isEmpty else { return usage("monitor takes no arguments") }
        let json = parsed.flags.contains("json")
        let client: ControlClient
        switch OpsCommands.connect(parsed.values["socket"] ?? OpsCommands.statusSocket) {
        case .success(let connected): client = connected
        case .failure(let failure): return OpsCommands.report(failure)
        }
        // Ctrl-C and SIGTERM are how a monitor ends; every line is already written (Console is unbuffered).
        signal(SIGINT) { _ in _exit(0) }
        signal(SIGTERM) { _ in _exit(0) }
        do {
            let answer = try client.request(["command": "monitor"], timeout: .seconds(10))
            guard answer["class"] as? String == "monitor", answer["ok"] as? Bool == true else {
                return KioskCtl.failure("kioskd: \(answer["error"] ?? "refused the monitor")")
            }
            // The answer first: a script (or a test) knows from it that events from now on will come.
            if json {
                Console.line(OpsCommands.jsonLine(answer))
            } else {
                Console.error("monitoring kioskd (Ctrl-C to stop)")
            }
            while true {
                // kioskd sends a heartbeat every few seconds: this long without a line means it is stuck or gone.
                let object = try client.readObject(timeout: .seconds(30))
                guard let event = MonitorEvent(json: object) else { continue }
                Console.line(json ? OpsCommands.jsonLine(event.json) : line(event))
                if event.kind == .monitor && event.event == "dropped" { return 1 }
            }
        } catch {
            return KioskCtl.failure("the monitor ended: \(error)")
        }
    }

    /// `18:45:22.123 device   receiptPrinter faulted (paper-end) (was ready)`.
    static func line(_ event: MonitorEvent) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss.SSS"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        let kind = event.kind.rawValue
        let role = event.detail["role"].map { $0 + " " } ?? ""
        let text = event.kind == .device ? role + event.text : event.text
        return formatter.string(from: event.at) + " " + kind + String(repeating: " ", count: max(1, 9 - kind.count))
            + text
    }

    private static func usage(_ message: String) -> Int32 {
        Console.error("kioskctl: \(message)\n\(help)")
        return 2
    }
}
