import Foundation
import Glibc
import KioskDaemon

/// Routes `monitor` and `debug-bundle` (with kioskctl's global `--socket PATH` / `--json` before or after the verb)
/// to their files, and opens the control socket with exit codes a script can act on: 3 kioskd unreachable, 4
/// permission denied.
enum OpsCommands {
    /// The exit status when `arguments` name one of these verbs; nil otherwise.
    static func route(_ arguments: [String]) -> Int32? {
        var index = 0
        while index < arguments.count, arguments[index].hasPrefix("--") {
            index += arguments[index] == "--socket" ? 2 : 1
        }
        guard index < arguments.count else { return nil }
        var rest = arguments
        let verb = rest.remove(at: index)
        switch verb {
        case "monitor": return MonitorCommand.run(rest)
        case "debug-bundle": return DebugBundleCommand.run(rest)
        default: return nil
        }
    }

    /// kioskd.sock, where `monitor` listens by default.
    static let statusSocket = "/run/kioskd/kioskd.sock"
    static let unreachable: Int32 = 3
    static let permissionDenied: Int32 = 4

    struct ConnectFailure: Error {
        let status: Int32
        let message: String
    }

    /// A connection to kioskd at `path`, or why not with its exit status.
    static func connect(_ path: String, timeout: Duration = .seconds(10)) -> Result<ControlClient, ConnectFailure> {
        var info = stat()
        if stat(path, &info) != 0, errno != EACCES {
            return .failure(
                ConnectFailure(
                    status: unreachable,
                    message: "kioskd is not reachable: no socket at \(path); check: systemctl status kioskd"))
        }
        if access(path, R_OK | W_OK) != 0, errno == EACCES {
            return .failure(
                ConnectFailure(
                    status: permissionDenied,
                    message:
                        "permission denied on \(path): add your user to the kioskd group (admin.sock: run as root "
                        + "or as kioskd's user)"))
        }
        do {
            return .success(try ControlClient(path: path, timeout: timeout))
        } catch {
            if error.description.contains("not authorised") {
                return .failure(
                    ConnectFailure(
                        status: permissionDenied,
                        message: "permission denied: kioskd does not accept this user on \(path)"))
            }
            return .failure(ConnectFailure(status: unreachable, message: error.description))
        }
    }

    /// Prints `failure` and returns its status.
    static func report(_ failure: ConnectFailure) -> Int32 {
        Console.error("kioskctl: \(failure.message)")
        return failure.status
    }

    static func jsonLine(_ object: Any, pretty: Bool = false) -> String {
        var options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        if pretty { options.insert(.prettyPrinted) }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: options)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
