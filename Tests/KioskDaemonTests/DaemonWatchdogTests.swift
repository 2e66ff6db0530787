import Foundation
import Testing

/// systemd's watchdog is pinged only while the flow loop and the store lane make progress (issue 9, item 12).
@Suite(.serialized) struct DaemonWatchdogTests {
    @Test(arguments: ["flow", "store"])
    func wedged_stopsThePings_andTheyComeBackWhenItAnswers(part: String) throws {
        let dir = try TemporaryDirectory("kioskd-watchdog-\(part)")
        defer { dir.remove() }
        // WatchdogSec=1s: a ping every 0.5 s while healthy.
        let daemon = try DaemonProcess(stateDirectory: dir.url, environment: ["WATCHDOG_USEC": "1000000"])
        defer { daemon.stop() }
        #expect(daemon.notify.waitForAnother("WATCHDOG=1", timeout: 5))
        let admin = try daemon.admin()
        let reply = try admin.sim("wedge", ["part": part, "ms": 5000])
        #expect(reply["ok"] as? Bool == true, "\(reply)")
        // A ping whose probe passed before the wedge may still arrive; after that, silence while it is wedged.
        daemon.notify.drain(for: 1.5)
        #expect(!daemon.notify.waitForAnother("WATCHDOG=1", timeout: 2), "pinged while the \(part) was wedged")
        #expect(daemon.stderr.contains("does not answer; not pinging the watchdog"))
        #expect(daemon.notify.waitForAnother("WATCHDOG=1", timeout: 10), "no ping after the \(part) answered again")
    }
}
