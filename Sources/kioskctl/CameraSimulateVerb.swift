import Foundation
import KioskControl

/// `kioskctl simulate camera ok|absent|stalled|garbage|busy`: sets the fault of the simulated camera of a running
/// `kioskd --simulate` (the sim control request), so a technician or a test sees the camera degrade and recover.
enum CameraSimulateVerb {
    static let faults = ["ok", "absent", "stalled", "garbage", "busy"]

    static func run(_ arguments: [String], socket: String) -> Int32 {
        let parsed: Arguments
        do {
            parsed = try Arguments(arguments, valued: ["socket"], switches: ["json"])
        } catch {
            return KioskCtl.usageError("simulate camera: \(error.description)")
        }
        guard parsed.positionals.count == 1, let fault = parsed.positionals.first, faults.contains(fault) else {
            return KioskCtl.usageError("simulate camera takes one FAULT: \(faults.joined(separator: ", "))")
        }
        let session = DaemonSession(socket: parsed.values["socket"] ?? socket, json: parsed.flags.contains("json"))
        switch session.call(.sim(action: "camera", fields: ["fault": .string(fault)]), expecting: SimReply.self) {
        case .success(let reply):
            Console.line(session.json ? ControlProtocol.encodePretty(reply) : "simulated camera: \(fault)")
            return ExitCode.ok
        case .failure(let exit): return exit.code
        }
    }
}
