import Foundation
import Glibc
import KioskIO
import Testing

/// kioskd.sock under connection floods and descriptor exhaustion (issue 9, item 4): refused clients get a JSON error,
/// the accept loop survives, and the log gets one line per burst instead of one per refusal.
@Suite(.serialized) struct DaemonControlSocketTests {
    @Test func overTheConnectionLimit_refusedClientsGetAJSONError_andTheLogOneLineWithACount() throws {
        let dir = try TemporaryDirectory("kioskd-sock-limit")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }

        var served: [ControlConnection] = []
        for _ in 0..<32 { served.append(try ControlConnection(path: daemon.statusSocket)) }
        let extra = 8
        let refused = try (0..<extra).map { _ in
            try UnixSocket.connect(path: daemon.statusSocket, deadline: .after(.seconds(10)))
        }
        defer { refused.forEach { $0.close() } }
        for client in refused {
            let reply = try firstLine(client)
            #expect(reply["class"] as? String == "error")
            #expect(reply["ok"] as? Bool == false)
            #expect((reply["error"] as? String)?.contains("too many connections") == true, "\(reply)")
            #expect(try endOfStream(client))
        }
        served.removeAll()
        let late = try pingUntilAnswered(daemon)

        let summary = "kioskd.sock: refused \(extra + late) connections"
        #expect(daemon.child.waitForOutput(containing: summary, deadline: .after(.seconds(30))), "\(daemon.output)")
        #expect(refusalLines(daemon.output).count == 1, "\(refusalLines(daemon.output))")
    }

    @Test func outOfDescriptors_refusedClientsGetAJSONError_andTheSocketServesAgainAfterwards() throws {
        let dir = try TemporaryDirectory("kioskd-sock-emfile")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        #expect(try ping(daemon))

        // Leave kioskd three free descriptor numbers: one served connection takes two (socket + eventfd).
        try limitOpenFiles(of: daemon.child.pid, leavingFree: 3)
        var clients: [DescriptorTransport] = []
        defer { clients.forEach { $0.close() } }
        for _ in 0..<20 {
            clients.append(try UnixSocket.connect(path: daemon.statusSocket, deadline: .after(.seconds(10))))
        }
        var hellos = 0
        var refusals = 0
        for client in clients {
            let reply = try firstLine(client)
            switch reply["class"] as? String {
            case "hello":
                hellos += 1
            case "error":
                refusals += 1
                #expect(reply["ok"] as? Bool == false)
                #expect((reply["error"] as? String)?.contains("out of file descriptors") == true, "\(reply)")
                #expect(try endOfStream(client))
            default:
                Issue.record("unexpected first line \(reply)")
            }
        }
        #expect(refusals > 0)
        #expect(hellos + refusals == clients.count)
        clients.forEach { $0.close() }
        clients.removeAll()

        // Still under the same limit, the descriptors are free again: kioskd.sock answers.
        let late = try pingUntilAnswered(daemon)
        let summary = "kioskd.sock: refused \(refusals + late) connections"
        #expect(daemon.child.waitForOutput(containing: summary, deadline: .after(.seconds(30))), "\(daemon.output)")
        #expect(refusalLines(daemon.output).count == 1, "\(refusalLines(daemon.output))")
    }

    // MARK: helpers

    /// Sets kioskd's RLIMIT_NOFILE (soft and hard, with util-linux `prlimit --pid`, i.e. prlimit(2)) so that exactly
    /// `free` descriptor numbers below the limit are unused, counted from /proc/PID/fd.
    private func limitOpenFiles(of pid: pid_t, leavingFree free: Int) throws {
        let open = Set(
            try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").compactMap { Int($0) })
        var limit = 0
        var unused = 0
        while unused < free {
            if !open.contains(limit) { unused += 1 }
            limit += 1
        }
        let tool = try ChildProcess(
            "/usr/bin/prlimit", ["--pid", "\(pid)", "--nofile=\(limit):\(limit)"],
            environment: ProcessInfo.processInfo.environment)
        try #require(tool.waitForExit(deadline: .after(.seconds(30))))
        try #require(tool.exitStatus == 0, "prlimit: \(tool.output)")
    }

    private func firstLine(_ client: DescriptorTransport) throws -> [String: Any] {
        var bytes: [UInt8] = []
        while !bytes.contains(UInt8(ascii: "\n")) {
            bytes += try client.read(upTo: 4096, deadline: .after(.seconds(20)))
        }
        let line = bytes.prefix { $0 != UInt8(ascii: "\n") }
        return try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
    }

    /// True when the server closed the connection after its line.
    private func endOfStream(_ client: DescriptorTransport) throws -> Bool {
        do {
            _ = try client.read(upTo: 1, deadline: .after(.seconds(20)))
            return false
        } catch .disconnected {
            return true
        }
    }

    /// Pings kioskd.sock until it answers, and returns how many attempts were refused first: the server notices
    /// clients that left a moment after they close, and one that comes before may still be turned away (with the
    /// JSON error, which is checked too).
    private func pingUntilAnswered(_ daemon: DaemonProcess) throws -> Int {
        let deadline = Deadline.after(.seconds(20))
        var refused = 0
        while true {
            let client = try UnixSocket.connect(path: daemon.statusSocket, deadline: deadline)
            defer { client.close() }
            let first = try firstLine(client)
            if first["class"] as? String == "hello" {
                try client.write(Array("{\"command\":\"ping\"}\n".utf8), deadline: deadline)
                #expect(try firstLine(client)["class"] as? String == "pong")
                return refused
            }
            try #require(first["class"] as? String == "error", "\(first)")
            refused += 1
            try #require(!deadline.hasPassed, "kioskd.sock still refuses: \(first)")
        }
    }

    private func ping(_ daemon: DaemonProcess) throws -> Bool {
        try ControlConnection(path: daemon.statusSocket).request(["command": "ping"])["class"] as? String == "pong"
    }

    private func refusalLines(_ output: String) -> [Substring] {
        output.split(separator: "\n").filter { $0.contains("kioskd.sock:") && $0.contains("refus") }
    }
}
