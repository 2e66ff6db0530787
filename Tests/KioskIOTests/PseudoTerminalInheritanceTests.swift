import Foundation
import KioskIO
import Testing

/// A child process spawned while a pseudo-terminal exists must not inherit its ends: otherwise closing the driver's
/// end does not hang the line up for as long as the child lives, and an unplug goes unnoticed (seen as stop and
/// unplug tests failing whenever another test spawned kioskctl or cupsd at that moment).
@Suite struct PseudoTerminalInheritanceTests {
    @Test func aChildSpawnedMeanwhile_doesNotKeepTheLineUp() throws {
        let pty = try PseudoTerminal()
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["3"]
        try child.run()
        defer {
            child.terminate()
            child.waitUntilExit()
        }
        pty.releaseReplica()  // nobody of ours has the replica open now
        // A timeout would mean the child held the replica: the hang-up must come at once, as a disconnect.
        let released = ContinuousClock.now
        do {
            _ = try pty.controller.read(upTo: 16, deadline: .after(seconds: 2))
            Issue.record("the controller read bytes nobody wrote")
        } catch {
            guard case .disconnected = error else {
                Issue.record("expected a hang-up, got \(error)")
                return
            }
        }
        #expect(ContinuousClock.now - released < .seconds(1), "the hang-up waited for the child")
    }
}
