import Foundation
import KioskControl
import KioskCore

/// admin.sock's technician commands: inhibit and release, the log level, staff actions. Each change is audited in the
/// store's audit log under who made it.
extension ControlCommands {
    /// Takes the terminal out of service (暂停服务 on screen, no new session) until `release` or, with `hold`, until
    /// the connection closes; a session already running goes on. Kept across restarts unless held.
    func inhibit(reason: String, hold: Bool, peer: ControlPeer) -> Reply {
        let by = peer.credentials.map { "uid \($0.uid)" } ?? "unknown"
        let inhibition = Inhibition(reason: reason, since: daemon.clock(), by: by)
        do { try daemon.inhibitions.inhibit(inhibition) } catch {
            return self.error("the inhibition could not be written to the state directory: \(error)")
        }
        holds.set(hold ? peer.connection : nil)
        daemon.logger.notice("ui", "terminal inhibited by \(by)\(hold ? " (held by its connection)" : ""): \(reason)")
        audit(action: "inhibit", actor: by, detail: reason)
        daemon.ui?.hub.refresh()
        return InhibitionReply.inhibited(reason: reason, held: hold)
    }

    func release(peer: ControlPeer, because why: String? = nil) -> Reply {
        let lifted: Inhibition?
        do { lifted = try daemon.inhibitions.release() } catch {
            return self.error("the inhibition could not be removed from the state directory: \(error)")
        }
        holds.set(nil)
        let by = peer.credentials.map { "uid \($0.uid)" } ?? "unknown"
        if lifted != nil {
            daemon.logger.notice("ui", "terminal released by \(by)\(why.map { ": \($0)" } ?? "")")
            audit(action: "release", actor: by, detail: why ?? "")
        }
        daemon.ui?.hub.refresh()
        return InhibitionReply.released(wasInhibited: lifted != nil)
    }

    func logLevel(_ name: LogLevelName) -> Reply {
        guard let level = LogLevel.allCases.first(where: { $0.name == name.rawValue }) else {
            return error("field 'level' must be one of error, warning, notice, info, debug", field: "level")
        }
        daemon.logger.level = level
        daemon.logger.notice("control", "log level set to \(level.name)")
        return LogLevelReply(level: name)
    }

    /// A staff member's action: the flow audits its own four (under the staff ID, with the transaction); `cancel`
    /// ends the session and is audited here.
    func staff(staffID: String, action: StaffVerb) -> Reply {
        let flowAction: StaffAction
        switch action {
        case .extendTime: flowAction = .extendTime
        case .authoriseReprint: flowAction = .authoriseReprint
        case .confirmLicencePrinted: flowAction = .confirmLicencePrinted
        case .handOff: flowAction = .handOff
        case .cancel:
            let runner = daemon.runner
            let transactionID = runBlocking { await runner.snapshot.transactionID }
            let answer = reply(to: .cancel)
            if let flow = answer as? FlowReply, flow.applied {
                audit(action: "staff-cancel", actor: staffID, detail: transactionID ?? "")
            }
            return answer
        }
        return reply(to: .staffAssist(staffID: staffID, flowAction))
    }

    func audit(action: String, actor: String, detail: String) {
        let now = daemon.clock()
        let lane = daemon.storeLane
        let logger = daemon.logger
        runBlocking {
            do {
                _ = try await lane.run { store in try store.audit(actor: actor, action: action, detail: detail, at: now)
                }
            } catch {
                logger.error("store", "audit of '\(action)' by \(actor) not recorded: \(error)")
            }
        }
    }
}
