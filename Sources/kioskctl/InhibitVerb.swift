import Foundation
import KioskControl
import KioskDaemon

/// `kioskctl inhibit --reason TEXT`: takes the terminal out of service. By default this process holds the
/// inhibition on its admin.sock connection and waits; when it ends in any way (Ctrl-C, SIGKILL, a dropped SSH
/// session) the connection closes and kioskd puts the terminal back into service. `--until-released` leaves it
/// inhibited until `kioskctl release`.
enum InhibitVerb {
    /// How often the holding connection says it is alive (kioskd drops a connection silent for 300 s).
    static let keepAlive: TimeInterval = 60
    /// How often a holder that lost kioskd tries to reach it again.
    static let reconnectInterval: TimeInterval = 2

    static func inhibit(_ session: DaemonSession, _ words: [String], _ parsed: Arguments) -> Int32 {
        guard words.isEmpty else { return KioskCtl.usageError("inhibit takes --reason TEXT, not '\(words[0])'") }
        guard let reason = parsed.values["reason"], !reason.trimmingCharacters(in: .whitespaces).isEmpty,
            reason.count <= ControlProtocol.maximumReasonLength
        else {
            return KioskCtl.usageError(
                "inhibit needs --reason TEXT (1–\(ControlProtocol.maximumReasonLength) characters, shown on screen)")
        }
        let hold = !parsed.flags.contains("until-released")
        let client: ControlClient
        switch session.connect(admin: true) {
        case .success(let connected): client = connected
        case .failure(let exit): return exit.code
        }
        switch session.send(.inhibit(reason: reason, hold: hold), on: client, expecting: InhibitionReply.self) {
        case .failure(let exit): return exit.code
        case .success(let reply):
            if session.json {
                Console.line(ControlProtocol.encodePretty(reply))
            } else {
                Console.line(
                    hold
                        ? "terminal out of service (暂停服务): \(reason)\nheld by this kioskctl (pid \(getpid())); "
                            + "press Ctrl-C to put it back into service"
                        : "terminal out of service (暂停服务) until `kioskctl release`: \(reason)")
            }
        }
        guard hold else { return ExitCode.ok }
        keepHolding(reason: reason, on: client, session)
    }

    /// Ctrl-C and SIGTERM end the process with their default action: the kernel closes the socket and kioskd
    /// releases. Until then the connection is kept alive; if kioskd restarts (the inhibition is in its state
    /// directory, so the terminal stays out of service), the hold is taken again on a new connection.
    private static func keepHolding(reason: String, on first: ControlClient, _ session: DaemonSession) -> Never {
        var client = first
        while true {
            Thread.sleep(forTimeInterval: keepAlive)
            if case .success = session.send(.ping, on: client, expecting: PongReply.self) { continue }
            Console.error("kioskctl: lost kioskd; reconnecting to hold the inhibition again (it stays in force)")
            while true {
                Thread.sleep(forTimeInterval: reconnectInterval)
                guard let again = try? ControlClient(path: session.adminSocket, timeout: .seconds(2)),
                    case .success? = try? again.send(
                        .inhibit(reason: reason, hold: true), expecting: InhibitionReply.self)
                else { continue }
                client = again
                Console.error("kioskctl: holding the inhibition again")
                break
            }
        }
    }

    static func release(_ session: DaemonSession) -> Int32 {
        switch session.call(.release, expecting: InhibitionReply.self) {
        case .success(let reply):
            if session.json {
                Console.line(ControlProtocol.encodePretty(reply))
            } else {
                Console.line(reply.wasInhibited == true ? "terminal back in service" : "the terminal was not inhibited")
            }
            return ExitCode.ok
        case .failure(let exit): return exit.code
        }
    }
}
