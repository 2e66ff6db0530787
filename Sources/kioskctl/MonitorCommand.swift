import Foundation
import Glibc
import KioskControl
import KioskDaemon

/// `kioskctl monitor [--json]`: kioskd's events as they happen — device health, cards (masked), flow steps, prints,
/// staff calls, central sync — one line each, until Ctrl-C or SIGTERM (exit 0), like `mmcli --monitor-modems`.
enum MonitorCommand {
    static var help: String { VerbCatalog.help(named: "monitor") }

    static func run(_ arguments: [String]) -> Int32 {
        let parsed: Arguments
        do {
            parsed = try Arguments(arguments, valued: ["socket"], switches: ["json", "help"])
        } catch {
            return usage(error.description)
        }
        if parsed.flags.contains("help") {
            Console.line(help)
            return ExitCode.ok
        }
        guard parsed.positionals.isEmpty else { return usage("monitor takes no arguments") }
        let json = parsed.flags.contains("json")
        let session = DaemonSession(socket: parsed.values["socket"] ?? DaemonCommands.defaultSocket, json: json)
        let client: ControlClient
        switch session.connect(admin: false) {
        case .success(let connected): client = connected
        case .failure(let exit): return exit.code
        }
        // Ctrl-C and SIGTERM are how a monitor ends; every line is already written (Console is unbuffered).
        signal(SIGINT) { _ in _exit(0) }
        signal(SIGTERM) { _ in _exit(0) }
        let answer: MonitorAnswer
        switch session.send(.monitor, on: client, expecting: MonitorAnswer.self) {
        case .success(let reply): answer = reply
        case .failure(let exit): return exit.code
        }
        // The answer first: a script (or a test) knows from it that events from now on will come.
        if json {
            Console.line(String(decoding: (try? ControlProtocol.encodeLine(answer).dropLast()) ?? [], as: UTF8.self))
        } else {
            Console.error("monitoring kioskd (Ctrl-C to stop)")
        }
        do {
            while true {
                // kioskd sends a heartbeat every few seconds: this long without a line means it is stuck or gone.
                let line = try client.nextLine(timeout: .seconds(30))
                guard let event = ControlProtocol.decode(MonitorEvent.self, from: line) else { continue }
                Console.line(json ? String(decoding: line, as: UTF8.self) : Self.line(event))
                if event.kind == .monitor && event.event == "dropped" { return ExitCode.failed }
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
        return ExitCode.usage
    }
}
