import Foundation
import KioskControl
import KioskCore

/// admin.sock's `selftest` (docs/control-protocol.md): the targets tested through the running daemon, refused while
/// a citizen's session is active (a test receipt or ticket must not interleave with theirs, and the reader's SAM
/// commands must not slow their card read), and audited: who, which targets, the verdict.
extension ControlCommands {
    func selftest(targets: [SelftestTarget], print: Bool, peer: ControlPeer) -> Reply {
        let runner = daemon.runner
        let step = runBlocking { await runner.snapshot.step }
        if Self.sessionIsActive(at: step) {
            return ErrorReply(
                "a citizen's session is active (the flow is at \(step.rawValue)); run the selftest when the terminal "
                    + "is idle, or inhibit it first (kioskctl inhibit) and wait for the session to end",
                step: step.rawValue)
        }
        let by = peer.credentials.map { "uid \($0.uid)" } ?? "unknown"
        let names = targets.map(\.rawValue).joined(separator: ",")
        daemon.logger.notice("control", "selftest of \(names)\(print ? " (with a licence test page)" : "") by \(by)")
        let selftest = Selftest(daemon: daemon, printLicence: print)
        let checks = runBlocking { await selftest.run(targets) }
        let reply = SelftestReply(targets: targets, printedLicenceTestPage: print, checks: checks)
        let detail = "\(names)\(print ? " --print" : ""): \(reply.result.rawValue) (\(reply.summary))"
        audit(action: "selftest", actor: by, detail: detail)
        if reply.result == .fail {
            let failed = checks.filter { $0.result == .fail }.map { "\($0.target.rawValue) \($0.check)" }
            daemon.logger.warning("control", "selftest failed: \(failed.joined(separator: ", "))")
        }
        return reply
    }

    /// A session is active from its start until it ends (completed, handed off or cancelled, or back to idle).
    static func sessionIsActive(at step: FlowStepName) -> Bool { step != .idle && !step.isTerminal }
}
