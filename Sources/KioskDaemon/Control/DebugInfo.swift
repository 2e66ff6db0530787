import Foundation
import KioskControl
import KioskCore

/// `debug-info` on admin.sock (`DebugInfoReply`): the version, the configuration with its secrets removed, `status`
/// (devices, flow, store, outbox, push), the device nodes to ask udev about, and the recent log lines from the
/// logger's ring (docs/ARCHITECTURE.md §17).
struct DebugInfo {
    let daemon: Daemon

    func reply() -> DebugInfoReply {
        let logger = daemon.logger
        let log = DebugInfoReply.RecentLog(
            level: logger.level.name, droppedLines: logger.droppedLines, capacity: RecentLogLines.defaultCapacity,
            lines: logger.recentLines.map(\.rendered))
        let file = daemon.options.configPath ?? (daemon.simulation == nil ? DaemonOptions.defaultConfigPath : nil)
        let config: ControlJSON
        if let file {
            if let data = FileManager.default.contents(atPath: file),
                let object = try? JSONDecoder().decode(ControlJSON.self, from: data)
            {
                config = Self.redacted(object)
            } else {
                config = .object(["note": .string("the file could not be read again now")])
            }
        } else {
            config = .object(["note": .string("no config file: --simulate with its defaults")])
        }
        return DebugInfoReply(
            version: KioskDaemonInfo.version, pid: Int(getpid()),
            mode: daemon.simulation == nil ? "production" : "simulate",
            status: ControlCommands(daemon: daemon).status(),
            deviceNodes: Self.deviceNodes(daemon.config.devices.values.map(\.endpoint)), log: log, configFile: file,
            config: config)
    }

    /// The value shown instead of a secret.
    static let removed = "(removed)"

    /// `object` with every secret's value replaced: tokens and their hashes, passwords, secrets, passphrases. Paths
    /// stay (a token *file*'s path, a TLS key's path: a technician needs to know which file is meant; its contents
    /// are never read here).
    static func redacted(_ value: ControlJSON) -> ControlJSON {
        switch value {
        case .object(let fields):
            var copy: [String: ControlJSON] = [:]
            for (key, field) in fields { copy[key] = isSecret(key) ? .string(removed) : redacted(field) }
            return .object(copy)
        case .array(let elements): return .array(elements.map(redacted))
        default: return value
        }
    }

    static func isSecret(_ key: String) -> Bool {
        let lower = key.lowercased()
        if ["password", "secret", "passphrase", "privatekey", "credential"].contains(where: { lower.contains($0) }) {
            return true
        }
        return lower.contains("token") && !lower.hasSuffix("file")
    }

    /// The device nodes the configuration names (serial ports, usblp nodes), for `udevadm info`.
    static func deviceNodes(_ endpoints: [DeviceEndpoint]) -> [String] {
        let nodes = endpoints.compactMap { endpoint -> String? in
            switch endpoint {
            case .serial(let path, _), .usblp(let path), .v4l2(let path, _, _): path
            case .tcp, .usb, .cups: nil
            }
        }
        return Array(Set(nodes)).sorted()
    }
}
