import KioskControl

/// `simulate face match|no-match|unavailable|slow [--script A,B,…]`: what the central simulator's identity service
/// answers under `kioskd --simulate`, through admin.sock's `sim` request (`FaceSimulation`).
enum FaceSimulationVerb {
    static func run(_ arguments: [String], socket: String) -> Int32 {
        let names = SimulatedFaceAnswer.allCases.map(\.rawValue).joined(separator: "|")
        let parsed: Arguments
        do {
            parsed = try Arguments(arguments, valued: ["script", "socket"], switches: ["json"])
        } catch { return KioskCtl.usageError("simulate face: \(error.description)") }
        guard parsed.positionals.count <= 1 else { return KioskCtl.usageError("simulate face takes one of \(names)") }
        var mode: SimulatedFaceAnswer?
        if let name = parsed.positionals.first {
            guard let answer = SimulatedFaceAnswer(rawValue: name) else {
                return KioskCtl.usageError("simulate face: unknown answer '\(name)'; one of \(names)")
            }
            mode = answer
        }
        var script: [SimulatedFaceAnswer]?
        if let list = parsed.values["script"] {
            var answers: [SimulatedFaceAnswer] = []
            for name in list.split(separator: ",") {
                guard let answer = SimulatedFaceAnswer(rawValue: String(name)) else {
                    return KioskCtl.usageError("simulate face --script: unknown answer '\(name)'; one of \(names)")
                }
                answers.append(answer)
            }
            script = answers
        }
        guard mode != nil || script != nil else {
            return KioskCtl.usageError("simulate face takes one of \(names) and/or --script A,B,…")
        }
        let session = DaemonSession(
            socket: parsed.values["socket"] ?? socket, json: parsed.flags.contains("json"))
        switch session.call(FaceSimulation(mode: mode, script: script).request, expecting: SimReply.self) {
        case .success(let reply):
            if session.json {
                Console.line(ControlProtocol.encodePretty(reply))
            } else {
                let next = script.map { "next " + $0.map(\.rawValue).joined(separator: ", ") }
                let then = mode.map { "then \($0.rawValue)" }
                Console.line("face: " + [next, then].compactMap { $0 }.joined(separator: "; "))
            }
            return ExitCode.ok
        case .failure(let exit): return exit.code
        }
    }
}
