import KioskControl

extension ControlCommands {
    /// `sim` `face`: what the central simulator's identity service answers next (`kioskctl simulate face`), passed
    /// on to its control listener (`POST /sim/mode` with `identity` / `identityScript`).
    func simulateFace(_ fields: [String: ControlJSON]) -> Reply {
        guard daemon.simulation != nil else { return error("'sim' is only available with --simulate") }
        guard let centre = daemon.simulation?.centre else {
            return error("the simulated terminal has no central simulator")
        }
        let face: FaceSimulation
        do { face = try FaceSimulation(fields: fields) } catch {
            return self.error(error.description, field: error.field)
        }
        var mode: [String: Any] = [:]
        if let answer = face.mode { mode["identity"] = answer.rawValue }
        if let script = face.script { mode["identityScript"] = script.map(\.rawValue) }
        do { try centre.setMode(mode) } catch {
            return self.error("the central simulator did not take the face answer: \(error)")
        }
        return SimReply(action: FaceSimulation.action)
    }
}
