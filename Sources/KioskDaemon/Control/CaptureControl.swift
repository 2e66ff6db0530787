import Foundation
import KioskCore
import KioskDevices
import KioskIO
import KioskProtocols

/// `{"command":"capture","role":"idReader","seconds":10,"includePersonalData":false}` on admin.sock: records the
/// role's traffic for `seconds` (1–300) and returns the trace in the capture format (docs/device-capture.md), masked
/// unless `includePersonalData`. Every capture is audited; one with personal data says so in the audit entry.
/// Written in the dictionary style of ControlCommands.swift.
extension ControlCommands {
    static let longestCapture = 300

    func capture(_ request: [String: Any], peer: PeerCredentials?) -> [String: Any] {
        func refuse(_ message: String) -> [String: Any] { ["class": "error", "ok": false, "error": message] }
        guard let name = request["role"] as? String, let role = DeviceRole(rawValue: name) else {
            let roles = DeviceRole.allCases.map(\.rawValue).joined(separator: ", ")
            return refuse("capture needs \"role\": one of \(roles)")
        }
        let seconds = request["seconds"] == nil ? 10 : request["seconds"] as? Int ?? 0
        guard (1...Self.longestCapture).contains(seconds) else {
            return refuse("capture \"seconds\" must be 1–\(Self.longestCapture), got \(request["seconds"] ?? "")")
        }
        guard request["includePersonalData"] == nil || request["includePersonalData"] is Bool else {
            return refuse("capture \"includePersonalData\" must be true or false")
        }
        let personal = request["includePersonalData"] as? Bool ?? false
        guard let endpoint = daemon.terminal.endpoints[role] else { return refuse("\(name) is not configured") }
        guard CaptureTaps.shared.isWired(role) else { return refuse("capture of \(name) is not supported yet") }
        let by = peer.map { "uid \($0.uid)" } ?? "unknown"
        guard let recorder = CaptureTaps.shared.start(role) else {
            return refuse("a capture of \(name) is already running")
        }
        let audited = recordCaptureAudit(
            actor: by, detail: "\(name) for \(seconds) s, " + (personal ? "WITH personal data" : "masked"))
        guard audited else {
            CaptureTaps.shared.stop(role)
            return refuse("the capture could not be audited, so it was not kept")
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
        return [
            "class": "capture", "ok": true, "role": name, "chunks": capture.chunks.count,
            "truncated": capture.header.truncated, "masked": capture.header.masked, "trace": capture.text,
        ]
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
