import Foundation
import KioskControl
import KioskCore
import KioskDevices
import KioskIO
import KioskProtocols

/// `capture` on admin.sock: records the role's traffic for `seconds` (1–300) and returns the trace in the capture
/// format (docs/device-capture.md), masked unless `includePersonalData`. Every capture is audited; one with personal
/// data says so in the audit entry.
extension ControlCommands {
    func capture(role: DeviceRole, seconds: Int, includePersonalData personal: Bool, peer: ControlPeer) -> Reply {
        let name = role.rawValue
        guard let endpoint = daemon.terminal.endpoints[role] else { return error("\(name) is not configured") }
        guard role != .camera else { return error("the camera cannot be captured: its frames are citizens' faces") }
        guard CaptureTaps.shared.isWired(role) else { return error("capture of \(name) is not supported yet") }
        let by = peer.credentials.map { "uid \($0.uid)" } ?? "unknown"
        guard let recorder = CaptureTaps.shared.start(role) else {
            return error("a capture of \(name) is already running")
        }
        let audited = recordCaptureAudit(
            actor: by, detail: "\(name) for \(seconds) s, " + (personal ? "WITH personal data" : "masked"))
        guard audited else {
            CaptureTaps.shared.stop(role)
            return error("the capture could not be audited, so it was not kept")
        }
        let started = daemon.clock()
        daemon.logger.notice("control", "capture of \(name) for \(seconds) s started by \(by)")
        // The capture's own duration, not a synchronisation: the connection thread waits it out.
        _ = DispatchSemaphore(value: 0).wait(timeout: .now() + .seconds(seconds))
        CaptureTaps.shared.stop(role)
        let capture = DeviceCapture(
            recorder: recorder, role: name, transport: endpoint, version: KioskVersion.current, start: started,
            masking: personal ? .unmasked : role == .idReader ? .ga467 : .escpos)
        daemon.logger.notice("control", "capture of \(name) ended: \(capture.chunks.count) chunks")
        return CaptureReply(
            role: role, chunks: capture.chunks.count, truncated: capture.header.truncated,
            masked: capture.header.masked, trace: capture.text)
    }

    private func recordCaptureAudit(actor: String, detail: String) -> Bool {
        let now = daemon.clock()
        let lane = daemon.storeLane
        let logger = daemon.logger
        return runBlocking {
            do {
                _ = try await lane.run { store in
                    try store.audit(actor: actor, action: "capture", detail: detail, at: now)
                }
                return true
            } catch {
                logger.error("store", "audit of 'capture' by \(actor) not recorded: \(error)")
                return false
            }
        }
    }
}
