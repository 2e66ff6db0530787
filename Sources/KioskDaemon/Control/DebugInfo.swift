import Foundation
import KioskCore

/// `{"command":"debug-info"}` on admin.sock: what `kioskctl debug-bundle` packs (docs/ARCHITECTURE.md §17) — the
/// version, the configuration with its secrets removed, `status` (devices, flow, store, outbox, push), the device
/// nodes to ask udev about, and the recent log lines from the logger's ring. Nothing here holds personal data: the
/// status and the log carry only codes, ids and masked values.
struct DebugInfo {
    let daemon: Daemon

    func reply() -> [String: Any] {
        let logger = daemon.logger
        var reply: [String: Any] = [
            "class": "debug-info", "ok": true, "version": KioskDaemonInfo.version,
            "protocol": KioskDaemonInfo.controlProtocol, "pid": Int(getpid()),
            "mode": daemon.simulation == nil ? "production" : "simulate",
            "status": ControlCommands(daemon: daemon).status(),
            "deviceNodes": Self.deviceNodes(daemon.config.devices.values.map(\.endpoint)),
            "log": [
                "level": logger.level.name, "droppedLines": logger.droppedLines,
                "capacity": RecentLogLines.defaultCapacity, "lines": logger.recentLines.map(\.rendered),
            ] as [String: Any],
        ]
        let file = daemon.options.configPath ?? (daemon.simulation == nil ? DaemonOptions.defaultConfigPath : nil)
        if let file {
            reply["configFile"] = file
            if let data = FileManager.default.contents(atPath: file),
                let object = try? JSONSerialization.jsonObject(with: data)
            {
                reply["config"] = Self.redacted(object)
            } else {
                reply["config"] = ["note": "the file could not be read again now"]
            }
        } else {
            reply["config"] = ["note": "no config file: --simulate with its defaults"]
        }
        return reply
    }

    /// The value shown instead of a secret.
    static let removed = "(removed)"

    /// `object` with every secret's value replaced: tokens and their hashes, passwords, secrets, passphrases. Paths
    /// stay (a token *file*'s path, a TLS key's path: a technician needs to know which file is meant; its contents
    /// are never read here).
    static func redacted(_ object: Any) -> Any {
        if let dictionary = object as? [String: Any] {
            var copy: [String: Any] = [:]
            for (key, value) in dictionary { copy[key] = isSecret(key) ? removed : redacted(value) }
            return copy
        }
        if let array = object as? [Any] { return array.map(redacted) }
        return object
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
            case .serial(let path, _), .usblp(let path): path
            case .tcp, .usb, .cups: nil
            }
        }
        return Array(Set(nodes)).sorted()
    }
}
