import Foundation
import KioskControl

/// `kioskctl log-level` and `kioskctl staff`: admin.sock's technician commands.
enum AdminVerbs {
    static func logLevel(_ session: DaemonSession, _ words: [String]) -> Int32 {
        let names = LogLevelName.allCases.map(\.rawValue).joined(separator: ", ")
        guard words.count == 1, let level = LogLevelName(rawValue: words[0]) else {
            return KioskCtl.usageError("log-level takes one LEVEL: \(names)")
        }
        switch session.call(.logLevel(level), expecting: LogLevelReply.self) {
        case .success(let reply):
            Console.line(session.json ? ControlProtocol.encodePretty(reply) : "log level: \(reply.level.rawValue)")
            return ExitCode.ok
        case .failure(let exit): return exit.code
        }
    }

    /// The verbs a technician types, mapped to the protocol's actions.
    static let staffActions: [String: StaffVerb] = [
        "reprint": .authoriseReprint, "confirm-printed": .confirmLicencePrinted, "hand-off": .handOff,
        "extend": .extendTime, "cancel": .cancel,
    ]

    static func staff(_ session: DaemonSession, _ words: [String], _ parsed: Arguments) -> Int32 {
        let names = "reprint, confirm-printed, hand-off, extend, cancel"
        guard words.count == 1, let action = staffActions[words[0]] else {
            return KioskCtl.usageError("staff takes one action: \(names)")
        }
        guard let staffID = parsed.values["staff"], !staffID.isEmpty,
            staffID.count <= ControlProtocol.maximumStaffIDLength
        else {
            return KioskCtl.usageError("staff \(words[0]) needs --staff ID (1–64 characters; it is audited)")
        }
        switch session.call(.staff(staffID: staffID, action: action), expecting: FlowReply.self) {
        case .success(let reply):
            if session.json {
                Console.line(ControlProtocol.encodePretty(reply))
            } else if reply.applied {
                Console.line("\(words[0]): done; the flow is at \(reply.step ?? "?")")
            } else {
                Console.line("\(words[0]): not applicable at \(reply.step ?? "?"): \(reply.reason ?? "")")
            }
            return reply.applied ? ExitCode.ok : ExitCode.failed
        case .failure(let exit): return exit.code
        }
    }
}
