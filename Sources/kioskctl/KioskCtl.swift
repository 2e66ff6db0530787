import Foundation
import KioskIO

/// Top-level dispatch. Exit codes (ExitCode.swift): 0 ok, 1 failed or degraded, 2 usage, 3 kioskd unreachable,
/// 4 permission denied.
enum KioskCtl {
    /// Generated from the verb catalogue (VerbCatalog.swift), so every verb and option is listed.
    static var usage: String { VerbCatalog.usage }

    static func run(_ arguments: [String]) -> Int32 {
        if let answered = HelpCommand.answer(arguments) { return answered }
        if let status = OpsCommands.route(arguments) { return status }
        guard let first = arguments.first else { return usageError("no command given") }
        // The local verbs take the global `--socket PATH` before them too (direct mode asks kioskd which devices it
        // holds); the daemon verbs parse it themselves.
        var local = arguments
        var socket = DaemonCommands.defaultSocket
        if first == "--socket", arguments.count > 2,
            ["version", "validate", "direct", "simulate"].contains(arguments[2])
        {
            socket = arguments[1]
            local = Array(arguments.dropFirst(2))
        }
        let command = local[0]
        let rest = Array(local.dropFirst())
        switch command {
        case "version": return VersionCommand.run(rest)
        case "validate": return ValidateCommand.run(rest)
        case "direct": return runDirect(rest, socket: socket)
        case "simulate": return runSimulate(rest)
        default: return DaemonCommands.run(arguments)
        }
    }

    private static func runDirect(_ arguments: [String], socket: String) -> Int32 {
        guard let sub = arguments.first else { return usageError("direct needs a subcommand") }
        let rest = Array(arguments.dropFirst())
        if let refusal = DirectDeviceCheck.refusal(sub, rest, socket: socket) { return refusal }
        switch sub {
        case "read-card", "sam-id": return IDReaderCommands.direct(sub, rest)
        case "test-receipt", "printer-status", "dispense-ticket": return ReceiptCommands.direct(sub, rest)
        case "print-licence", "render-licence": return LicenceCommands.direct(sub, rest)
        case "camera": return CameraCommand.run(rest)
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
    static func failure(_ message: String) -> Int32 {
        Console.error("kioskctl: \(message)")
        return 1
    }
}
