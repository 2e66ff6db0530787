import Foundation
import KioskIO

/// Top-level dispatch. Exit codes: 0 success, 1 the operation failed (invalid value, device error), 2 usage error.
enum KioskCtl {
    static let usage = """
        usage: kioskctl [--socket PATH] [--json] COMMAND ...
          version                               kioskd version and linked library versions
          validate id NUMBER                    check an ID number (GB 11643 / 2023 foreigner card)
          validate uscc CODE                    check a unified social credit code (GB 32100)
          status                                the daemon's status (devices, flow, store)
          direct read-card --port PATH [--baud N] [--timeout S] [--json] [--show-personal-info]
          direct sam-id --port PATH [--baud N]
          direct test-receipt (--tcp HOST:PORT | --port PATH | --usblp PATH) [--width 58|80]
          direct printer-status (--tcp HOST:PORT | --port PATH | --usblp PATH) [--json]
          direct dispense-ticket (--tcp HOST:PORT | --port PATH | --usblp PATH) --category A
          direct print-licence --queue NAME --data FILE.json [--copy original|duplicate] [--server SOCKET]
          direct render-licence --data FILE.json --out FILE.pdf [--copy original|duplicate]
          simulate id-reader [--card ...]       start a simulated reader, print its PTY path
          simulate receipt-printer|dispenser    start a simulated printer, print where it listens
          simulate id-reader|receipt-printer|dispenser --replay FILE   answer like the device in a capture
          capture ROLE --out FILE [--seconds N] [--include-personal-data]   trace a device's traffic (admin.sock)
          simulate central --listen HOST:PORT --dir DIR --token-file FILE [--control PORT] [--exit-with-parent]
                                                a simulated central server (HTTPS), prints one JSON line
        """

    static func run(_ arguments: [String]) -> Int32 {
        guard let command = arguments.first else { return usageError("no command given") }
        if CaptureCommand.matches(arguments) { return CaptureCommand.run(arguments) }
        let rest = Array(arguments.dropFirst())
        switch command {
        case "version": return VersionCommand.run(rest)
        case "validate": return ValidateCommand.run(rest)
        case "direct": return runDirect(rest)
        case "simulate": return runSimulate(rest)
        case "-h", "--help", "help":
            Console.line(usage)
            return 0
        default: return DaemonCommands.run(arguments)
        }
    }

    private static func runDirect(_ arguments: [String]) -> Int32 {
        guard let sub = arguments.first else { return usageError("direct needs a subcommand") }
        let rest = Array(arguments.dropFirst())
        if let refusal = refusalForDaemonsDevice(rest) { return refusal }
        switch sub {
        case "read-card", "sam-id": return IDReaderCommands.direct(sub, rest)
        case "test-receipt", "printer-status", "dispense-ticket": return ReceiptCommands.direct(sub, rest)
        case "print-licence", "render-licence": return LicenceCommands.direct(sub, rest)
        default: return usageError("unknown direct subcommand '\(sub)'")
        }
    }

    private static func runSimulate(_ arguments: [String]) -> Int32 {
        guard let sub = arguments.first else { return usageError("simulate needs a device") }
        let rest = Array(arguments.dropFirst())
        if rest.contains("--replay"), sub != "central" { return ReplayCommand.run(sub, rest) }
        switch sub {
        case "id-reader": return IDReaderCommands.simulate(rest)
        case "receipt-printer", "dispenser": return ReceiptCommands.simulate(sub, rest)
        case "central": return CentralCommands.simulate(rest)
        default: return usageError("unknown simulator '\(sub)'")
        }
    }

    /// Prints `message` and the usage to stderr; returns exit code 2.
    static func usageError(_ message: String) -> Int32 {
        Console.error("kioskctl: \(message)\n\(usage)")
        return 2
    }

    /// Prints `message` to stderr; returns exit code 1.
    /// Direct mode never fights kioskd over a device: a node it has open carries its advisory lock
    /// (docs/ARCHITECTURE.md §4.7), and then the command is refused before anything is sent.
    private static func refusalForDaemonsDevice(_ arguments: [String]) -> Int32? {
        for (option, path) in zip(arguments, arguments.dropFirst()) where option == "--port" || option == "--usblp" {
            if DeviceNodeLock.probe(path) == .held {
                return failure(
                    "\(path) is in use by kioskd (or another program holds it); direct mode would fight it over the "
                        + "device. Stop kioskd first (systemctl stop kioskd), or use the daemon's own commands "
                        + "(kioskctl status).")
            }
        }
        return nil
    }

    static func failure(_ message: String) -> Int32 {
        Console.error("kioskctl: \(message)")
        return 1
    }
}
