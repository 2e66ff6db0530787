import Foundation
import KioskControl
import KioskHTTP
import KioskIO

/// The central links: the registration service (the authority that approves applications), the centre's push URL,
/// the pull listener the centre reads from and the identity service of the face comparison. Each is reached over TLS
/// with the same verification the daemon uses (a pin, else the system trust store and the host name); any HTTP answer
/// means reachable — nothing is sent but a GET without a token, so nothing is registered or pushed and no face or
/// personal data leaves the terminal.
struct SelftestCentral: Sendable {
    let daemon: Daemon

    func run() async -> [SelftestCheck] {
        var checks: [SelftestCheck] = []
        let central = daemon.config.central
        if let registration = central.registration {
            checks.append(await Self.reach("registration", registration.url, registration.verification))
        } else if daemon.embeddedAuthority != nil {
            let simulated = daemon.simulation != nil
            checks.append(
                SelftestCheck(
                    .central, "registration", .warn,
                    "not configured: the embedded authority approves\(simulated ? " (simulation)" : "")"))
        } else {
            checks.append(SelftestCheck(.central, "registration", .warn, "not configured (central.registration)"))
        }
        if let push = central.push {
            checks.append(await Self.reach("push", push.url, push.verification))
        } else {
            checks.append(SelftestCheck(.central, "push", .warn, "not configured (central.push)"))
        }
        checks.append(await pull())
        if let identity = central.identity {
            checks.append(await Self.reach("identity", identity.url, identity.verification))
        } else {
            checks.append(SelftestCheck(.central, "identity", .warn, "not configured (central.identity)"))
        }
        return checks
    }

    /// The pull listener, reached as the centre would reach it (on loopback), its own certificate pinned.
    private func pull() async -> SelftestCheck {
        guard let listener = daemon.pullListener else {
            return SelftestCheck(.central, "pull", .warn, "not configured (central.pull)")
        }
        let port = listener.server.port
        guard let pin = listener.certificateSHA256.flatMap(PeerVerification.pin(hex:)) else {
            return SelftestCheck(.central, "pull", .pass, "listening on \(listener.url) (plain HTTP on loopback)")
        }
        let url = HTTPSURL(host: "127.0.0.1", port: port, resource: "/healthz")
        let check = await Self.reach("pull", url, pin)
        return check.result == .pass
            ? SelftestCheck(.central, "pull", .pass, "listening on \(listener.url), TLS verified (pinned)") : check
    }

    /// One GET to `url`: pass with the HTTP status, fail when the connection, the TLS handshake or the verification
    /// of the peer fails.
    static func reach(_ check: String, _ url: HTTPSURL, _ verification: PeerVerification) async -> SelftestCheck {
        let how =
            switch verification {
            case .pinSHA256: "pinned"
            case .systemTrust: "system trust"
            }
        let answer = await onOwnThread("selftest") { () -> Result<Int, HTTPClientError> in
            do throws(HTTPClientError) {
                return .success(
                    try HTTPClient.send(.get, url, verification: verification, deadline: .after(seconds: 10)).status)
            } catch {
                return .failure(error)
            }
        }
        let target = "\(url.host):\(url.port)"
        switch answer {
        case .success(let status):
            return SelftestCheck(.central, check, .pass, "\(target) reachable, TLS verified (\(how)), HTTP \(status)")
        case .failure(let error) where error.kind == .untrustedPeer:
            return SelftestCheck(
                .central, check, .fail, Selftest.oneLine("\(target): TLS not verified (\(how)): \(error)"))
        case .failure(let error):
            return SelftestCheck(.central, check, .fail, Selftest.oneLine("\(target) unreachable: \(error)"))
        }
    }
}
