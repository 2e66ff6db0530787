import Foundation
import Testing

/// `kioskctl direct` refuses a reader the running daemon owns (docs/ARCHITECTURE.md §4.7): kioskd as a real process
/// on its simulated reader's pseudo-terminal, kioskctl as a real process on the same node.
@Suite struct DirectModeLockTests {
    @Test func directModeOnTheDaemonsReaderIsRefusedWhileItRuns() throws {
        let dir = try TemporaryDirectory("kioskd-direct-lock")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let status = try daemon.admin().request(["command": "status"])
        let devices = status["devices"] as? [[String: Any]] ?? []
        let endpoint = try #require(
            devices.first { $0["role"] as? String == "idReader" }?["endpoint"] as? String, "\(status)")
        // "serial /dev/pts/N @115200"
        let path = try #require(endpoint.split(separator: " ").map(String.init).first { $0.hasPrefix("/dev/") })
        let run = try ProcessRunner.run("kioskctl", ["direct", "sam-id", "--port", path], timeout: 20)
        #expect(run.status == 1)
        #expect(run.stderr.contains("\(path) is in use by kioskd"), "\(run.stderr)")
    }
}
