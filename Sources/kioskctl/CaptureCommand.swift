import Foundation
import KioskControl
import KioskCore
import KioskDaemon
import KioskIO

/// `kioskctl capture ROLE --out FILE [--seconds N] [--include-personal-data]`: asks kioskd (admin.sock) for a
/// timestamped hex trace of ROLE's traffic and writes it to FILE (docs/device-capture.md). Exit codes: 0 written,
/// 1 failed, 2 usage, 3 kioskd unreachable, 4 permission denied.
enum CaptureCommand {
    static var usage: String { VerbCatalog.help(named: "capture") }

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
            return ExitCode.ok
        }
        let positionals = args.positionals
        guard positionals.count == 1, let roleName = positionals.first else {
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
        guard let role = DeviceRole(rawValue: roleName) else {
            return usageError("unknown ROLE '\(roleName)': idReader, receiptPrinter or ticketDispenser")
        }
        guard role != .camera else {
            // Its frames are citizens' faces: never recorded, masked or not (docs/face-verification.md).
            return KioskCtl.failure("the camera cannot be captured: its frames are citizens' faces")
        }
        let personal = args.flags.contains("include-personal-data")
        // admin.sock: given directly, or found next to the status socket.
        let session = DaemonSession(
            socket: args.values["socket"] ?? DaemonCommands.defaultSocket, json: args.flags.contains("json"))
        let reply: CaptureReply
        switch session.call(
            .capture(role: role, seconds: seconds, includePersonalData: personal), expecting: CaptureReply.self,
            timeout: .seconds(seconds + 30))
        {
        case .success(let answer): reply = answer
        case .failure(let exit): return exit.code
        }
        let trace = reply.trace
        do {
            try Data(trace.utf8).write(to: URL(fileURLWithPath: out))
        } catch {
            return KioskCtl.failure("cannot write \(out): \(error.localizedDescription)")
        }
        let chunks = reply.chunks
        let truncated = reply.truncated ? " (truncated: the capture limit was reached)" : ""
        Console.error(
            "captured \(chunks) chunks of \(roleName) in \(seconds) s to \(out)\(truncated)"
                + (personal ? "; it CONTAINS PERSONAL DATA" : ", personal data masked"))
        return ExitCode.ok
    }

    private static func usageError(_ message: String) -> Int32 {
        Console.error("kioskctl: \(message)\n\(usage)")
        return ExitCode.usage
    }
}
