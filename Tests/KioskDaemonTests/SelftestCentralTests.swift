import Foundation
import KioskControl
import KioskHTTP
import Testing

@testable import KioskDaemon

/// The central reachability check against the central simulator as a real process over real TLS: reached only when
/// the certificate is the one the config trusts, and nothing is registered by the check.
@Suite(.serialized) struct SelftestCentralTests {
    @Test func reach_passesWithThePin_andFailsAnUntrustedOrAbsentCentre() async throws {
        let directory = try TemporaryDirectory("selftest-central")
        defer { directory.remove() }
        let centre = try CentralSimulatorProcess(directory: directory.url)
        let url = try #require(HTTPSURL(centre.url + "/v1/registrations"))
        let pin = try #require(PeerVerification.pin(hex: centre.certificateSHA256))

        let pinned = await SelftestCentral.reach("registration", url, pin)
        #expect(pinned.result == .pass, "\(pinned)")
        #expect(pinned.reason.contains("TLS verified (pinned)"), "\(pinned.reason)")

        let wrongPin = try #require(PeerVerification.pin(hex: String(repeating: "00", count: 32)))
        let untrusted = await SelftestCentral.reach("registration", url, wrongPin)
        #expect(untrusted.result == .fail)
        #expect(untrusted.reason.contains("TLS not verified (pinned)"), "\(untrusted.reason)")
        // The simulator's certificate is self-signed: the system trust store does not vouch for it either.
        let system = await SelftestCentral.reach("push", url, .systemTrust)
        #expect(system.result == .fail)
        #expect(system.reason.contains("TLS not verified (system trust)"), "\(system.reason)")
        #expect(try centre.received()["registrationRequests"] as? Int == 0)

        let port = url.port
        centre.child.stop()
        let gone = await SelftestCentral.reach("push", HTTPSURL(host: "127.0.0.1", port: port, resource: "/"), pin)
        #expect(gone.result == .fail)
        #expect(gone.reason.contains("unreachable"), "\(gone.reason)")
    }
}
