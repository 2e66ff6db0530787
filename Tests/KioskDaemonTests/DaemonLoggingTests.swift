import Foundation
import Glibc
import Testing

/// kioskd as a real process whose stderr is broken (issue 9, item 2): a log line that cannot be written is dropped
/// and counted, and the daemon keeps serving.
@Suite(.serialized) struct DaemonLoggingTests {
    @Test func stderrOnAFullDevice_dropsAndCountsLines_andTheDaemonKeepsServing() throws {
        let dir = try TemporaryDirectory("kioskd-log-full")
        defer { dir.remove() }
        // /dev/full fails every write with ENOSPC, as a full disk under a log file does.
        let full = open("/dev/full", O_WRONLY | O_CLOEXEC)
        try #require(full >= 0)
        defer { close(full) }
        let daemon = try DaemonProcess(stateDirectory: dir.url, standardError: full)
        defer { daemon.stop() }

        // Start-up already logged ("ready in ..."), and none of it could be written.
        try driveLoggingActivity(daemon)
        #expect(try ping(daemon))
        let dropped = try droppedLines(daemon)
        #expect(dropped > 0)
        _ = try daemon.admin()  // one more notice
        #expect(try droppedLines(daemon) > dropped)
        let table = try ProcessRunner.run("kioskctl", ["--socket", daemon.statusSocket, "status"])
        #expect(table.stdout.contains("lines dropped (stderr could not be written)"), "\(table.stdout)")
        #expect(daemon.terminate() == 0)
    }

    @Test func stderrPipeClosedByItsReader_dropsAndCountsLines_andTheDaemonKeepsServing() throws {
        let dir = try TemporaryDirectory("kioskd-log-pipe")
        defer { dir.remove() }
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        var readEnd = ends[0]
        defer { if readEnd >= 0 { close(readEnd) } }
        let daemon: DaemonProcess
        do {
            defer { close(ends[1]) }
            daemon = try DaemonProcess(stateDirectory: dir.url, standardError: ends[1])
        }
        defer { daemon.stop() }

        // The reader goes away (journald restarting, a closed terminal): every later write fails with EPIPE.
        close(readEnd)
        readEnd = -1
        try driveLoggingActivity(daemon)
        #expect(try droppedLines(daemon) > 0)
        #expect(try ping(daemon))
        #expect(daemon.terminate() == 0)
    }

    /// Things that log: an admin connection (a notice, written before its hello), a flow start and a card read.
    private func driveLoggingActivity(_ daemon: DaemonProcess) throws {
        let admin = try daemon.admin()
        try admin.flow("start")
        try admin.sim("place-card", ["card": "resident"])
        try admin.wait(for: "verifyingIdentity")
        _ = try daemon.admin()
    }

    private func droppedLines(_ daemon: DaemonProcess) throws -> Int {
        let status = try ControlConnection(path: daemon.statusSocket).request(["command": "status"])
        let log = try #require(status["log"] as? [String: Any], "status without \"log\": \(status)")
        return try #require(log["droppedLines"] as? Int)
    }

    private func ping(_ daemon: DaemonProcess) throws -> Bool {
        try ControlConnection(path: daemon.statusSocket).request(["command": "ping"])["class"] as? String == "pong"
    }
}
