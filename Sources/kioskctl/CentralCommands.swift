import Foundation
import Glibc
import KioskSimulators

/// `simulate central`: the central-server simulator as a process of its own (libcups keeps one set of server
/// credentials per process).
enum CentralCommands {
    static func simulate(_ arguments: [String]) -> Int32 {
        let args: Arguments
        do {
            args = try Arguments(
                arguments, valued: ["listen", "dir", "token-file", "control", "push", "registration", "identity"],
                switches: ["exit-with-parent"])
        } catch { return KioskCtl.usageError(error.description) }
        let listen = args.values["listen"] ?? "127.0.0.1:0"
        guard let colon = listen.lastIndex(of: ":"), let port = UInt16(listen[listen.index(after: colon)...]) else {
            return KioskCtl.usageError("--listen takes HOST:PORT, e.g. 127.0.0.1:0")
        }
        let host = String(listen[..<colon])
        guard host.hasPrefix("127.") else { return KioskCtl.usageError("the simulator listens on loopback only") }
        guard let directory = args.values["dir"] else { return KioskCtl.usageError("--dir DIR is needed") }
        guard let tokenFile = args.values["token-file"],
            let token = try? String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines), !token.isEmpty
        else { return KioskCtl.usageError("--token-file FILE (holding the bearer token) is needed") }
        guard let controlPort = UInt16(args.values["control"] ?? "0") else {
            return KioskCtl.usageError("--control takes a port number")
        }
        let simulator: CentralSimulator
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            simulator = try CentralSimulator(
                host: host, port: port, controlPort: controlPort, directory: directory, token: token,
                log: { Console.line($0) })
            if let name = args.values["identity"] {
                guard let answer = IdentityServiceSimulator.Answer(rawValue: name) else {
                    return KioskCtl.usageError("unknown identity answer '\(name)'")
                }
                simulator.identity.set(mode: answer)
            }
            if let name = args.values["push"] {
                guard let mode = CentralSimulator.PushMode(rawValue: name) else {
                    return KioskCtl.usageError("unknown push mode '\(name)'")
                }
                try simulator.setPushMode(mode)
            }
            if let name = args.values["registration"] {
                guard let mode = CentralSimulator.RegistrationMode(rawValue: name) else {
                    return KioskCtl.usageError("unknown registration mode '\(name)'")
                }
                simulator.setRegistrationMode(mode)
            }
        } catch {
            return KioskCtl.failure("cannot start the central simulator: \(error)")
        }
        let line: [String: Any] = [
            "url": simulator.url, "control": "http://\(host):\(simulator.controlPort)",
            "certificateSHA256": simulator.certificateSHA256,
        ]
        if let data = try? JSONSerialization.data(
            withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes])
        {
            Console.line(String(decoding: data, as: UTF8.self))
        }
        let stop = StopSignal()
        // Started by `kioskd --simulate`: it goes when kioskd goes, even after a SIGKILL (re-parented, getppid changes).
        let parent = args.flags.contains("exit-with-parent") ? getppid() : nil
        while !stop.requested && (parent == nil || getppid() == parent) { usleep(200_000) }
        simulator.stop()
        return 0
    }
}
