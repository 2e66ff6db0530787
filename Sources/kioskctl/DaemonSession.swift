import Foundation
import KioskControl
import KioskDaemon

/// One verb's conversation with kioskd: which socket, the output form, and every failure turned into the exit code a
/// script expects (3 unreachable, 4 permission denied, 1 refused) with a message that says what to do.
struct DaemonSession {
    let socket: String
    let json: Bool

    struct Exit: Error {
        let code: Int32
    }

    /// admin.sock, next to the status socket.
    var adminSocket: String { (socket as NSString).deletingLastPathComponent + "/admin.sock" }

    func connect(admin: Bool) -> Result<ControlClient, Exit> {
        let path = admin ? adminSocket : socket
        do {
            return .success(try ControlClient(path: path))
        } catch {
            return .failure(Self.report(error, admin: admin))
        }
    }

    static func report(_ failure: ControlClient.Failure, admin: Bool) -> Exit {
        switch failure.kind {
        case .permissionDenied:
            let hint = admin ? " (admin verbs need root or the kioskd user)" : ""
            Console.error("kioskctl: \(failure.description)\(hint)")
            return Exit(code: ExitCode.permissionDenied)
        case .notRunning:
            Console.error("kioskctl: \(failure.description)")
            return Exit(code: ExitCode.unreachable)
        case .protocolError:
            Console.error("kioskctl: \(failure.description)")
            return Exit(code: ExitCode.unreachable)
        }
    }

    /// Sends `request` on the socket it needs; a refusal is printed (or, with `--json`, written as JSON) and exits 1.
    func call<Reply: Decodable>(
        _ request: ControlRequest, expecting: Reply.Type, timeout: Duration = .seconds(30)
    ) -> Result<Reply, Exit> {
        let client: ControlClient
        switch connect(admin: request.needsAdmin) {
        case .success(let connected): client = connected
        case .failure(let exit): return .failure(exit)
        }
        return send(request, on: client, expecting: expecting, timeout: timeout)
    }

    func send<Reply: Decodable>(
        _ request: ControlRequest, on client: ControlClient, expecting: Reply.Type, timeout: Duration = .seconds(30)
    ) -> Result<Reply, Exit> {
        do {
            switch try client.send(request, expecting: expecting, timeout: timeout) {
            case .success(let reply): return .success(reply)
            case .failure(let refusal):
                if json { Console.line(ControlProtocol.encodePretty(refusal)) }
                Console.error("kioskctl: kioskd refused \(request.command): \(refusal.error)")
                return .failure(Exit(code: refusal.denied == true ? ExitCode.permissionDenied : ExitCode.failed))
            }
        } catch {
            return .failure(Self.report(error, admin: request.needsAdmin))
        }
    }
}
