import Foundation
import KioskControl
import KioskDaemon

/// Verbs that talk to a running kioskd over its control sockets (docs/control-protocol.md): each parses its own
/// options besides the global `--socket PATH` and `--json`, and exits with the codes in ExitCode.swift.
enum DaemonCommands {
    static let defaultSocket = "/run/kioskd/kioskd.sock"

    /// A verb's options: those that take a value and switches, without `--`.
    struct Options {
        var valued: Set<String> = []
        var switches: Set<String> = []
    }

    static let verbOptions: [String: Options] = [
        "status": Options(), "devices": Options(), "outbox": Options(), "release": Options(),
        "history": Options(valued: ["since", "limit"]), "log-level": Options(),
        "inhibit": Options(valued: ["reason"], switches: ["until-released"]), "staff": Options(valued: ["staff"]),
        "selftest": Options(switches: ["print"]),
    ]

    static func run(_ arguments: [String]) -> Int32 {
        let verb = HelpCommand.positionals(arguments).first ?? ""
        guard let options = verbOptions[verb] else { return KioskCtl.usageError("unknown command '\(verb)'") }
        let parsed: Arguments
        do {
            parsed = try Arguments(
                arguments, valued: options.valued.union(["socket"]), switches: options.switches.union(["json"]))
        } catch {
            return KioskCtl.usageError("\(verb): \(error.description)")
        }
        let session = DaemonSession(
            socket: parsed.values["socket"] ?? defaultSocket, json: parsed.flags.contains("json"))
        let words = Array(parsed.positionals.dropFirst())
        switch verb {
        case "status": return words.isEmpty ? status(session) : KioskCtl.usageError("status takes no arguments")
        case "devices": return DeviceVerbs.devices(session, words)
        case "history": return StoreVerbs.history(session, words, parsed)
        case "outbox":
            return words.isEmpty ? StoreVerbs.outbox(session) : KioskCtl.usageError("outbox takes no arguments")
        case "inhibit": return InhibitVerb.inhibit(session, words, parsed)
        case "release":
            return words.isEmpty ? InhibitVerb.release(session) : KioskCtl.usageError("release takes no arguments")
        case "log-level": return AdminVerbs.logLevel(session, words)
        case "selftest": return SelftestVerb.run(session, words, print: parsed.flags.contains("print"))
        default: return AdminVerbs.staff(session, words, parsed)
        }
    }

    private static func status(_ session: DaemonSession) -> Int32 {
        let reply: StatusReply
        switch session.call(.status, expecting: StatusReply.self) {
        case .success(let answer): reply = answer
        case .failure(let exit): return exit.code
        }
        if session.json {
            Console.line(ControlProtocol.encodePretty(reply))
        } else {
            Console.line(StatusTable.render(reply))
        }
        let notReady = reply.devicesNotReady
        if !notReady.isEmpty && !session.json {
            Console.error(
                "kioskctl: degraded: " + notReady.map { "\($0.role.rawValue) \($0.state)" }.joined(separator: ", "))
        }
        return notReady.isEmpty ? ExitCode.ok : ExitCode.failed
    }
}
