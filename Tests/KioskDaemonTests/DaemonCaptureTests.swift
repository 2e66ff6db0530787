import Foundation
import KioskCore
import KioskIO
import KioskProtocols
import KioskSimulators
import KioskStore
import Testing

/// `kioskctl capture` against a real `kioskd --simulate` while the simulated reader reads a sample card: both
/// directions are in the trace, the card's data is masked unless `--include-personal-data`, and every capture is
/// in the audit log (docs/device-capture.md).
@Suite(.serialized) struct DaemonCaptureTests {
    static let card = IDReaderSampleCards.resident

    /// Hex of `text` as the GA 467 text block holds it (UCS-2 little-endian).
    static func ucs2Hex(_ text: String) -> String {
        text.utf16.map { String(format: "%02X%02X", $0 & 0xFF, $0 >> 8) }.joined()
    }

    /// Runs `kioskctl capture idReader` while a card is placed and read; returns the file's text.
    private func captureWhileReading(
        _ daemon: DaemonProcess, _ admin: ControlConnection, out: URL, seconds: Int, personal: Bool
    ) throws -> String {
        var arguments = [
            "--socket", daemon.adminSocket, "capture", "idReader", "--out", out.path, "--seconds", "\(seconds)",
        ]
        if personal { arguments.append("--include-personal-data") }
        let kioskctl = try ChildProcess(
            ProcessRunner.executable("kioskctl").path, arguments, environment: ProcessInfo.processInfo.environment)
        // The capture is attached once kioskd logs its start; only then is the card placed.
        #expect(
            daemon.child.waitForOutput(
                containing: "capture of idReader for \(seconds) s started", deadline: .after(.seconds(20))))
        try admin.flow("start")
        try admin.wait(for: "awaitingCard")
        try admin.sim("place-card", ["card": "resident"])
        try admin.wait(for: "verifyingIdentity")
        #expect(kioskctl.waitForExit(deadline: .after(.seconds(40))))
        #expect(kioskctl.exitStatus == 0, "kioskctl: \(kioskctl.output)")
        try admin.flow("cancel")
        try admin.wait(for: "idle")
        try admin.sim("lift-card", ["waitForPoll": false])
        return try String(contentsOf: out, encoding: .utf8)
    }

    @Test func capture_readerDuringARead_masksTheCardUnlessAskedAndAudits() throws {
        let dir = try TemporaryDirectory("capture")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url.appendingPathComponent("state"))
        defer { daemon.stop() }
        let admin = try daemon.admin()

        let masked = try captureWhileReading(
            daemon, admin, out: dir.url.appendingPathComponent("m.trace"), seconds: 3, personal: false)
        let capture = try DeviceCapture(parsing: masked)
        #expect(capture.header.role == "idReader")
        #expect(capture.header.masked)
        #expect(capture.chunks.contains { $0.direction == .toDevice })
        #expect(capture.chunks.contains { $0.direction == .fromDevice })
        #expect(capture.chunks.contains { $0.direction == .toDevice && $0.bytes == GA467Command.readBaseInfo.bytes })
        #expect(capture.chunks.contains { $0.masked })
        for secret in [Self.card.name.unmasked, Self.card.idNumber.unmasked, "景山前街"] {
            #expect(!masked.contains(Self.ucs2Hex(secret)), "\(secret) in the masked capture")
            #expect(!masked.contains(secret))
        }
        // The masked base-info reply is still a valid frame of the recorded length.
        var decoder = GA467Decoder.replies()
        decoder.append(capture.chunks.filter { $0.direction == .fromDevice }.flatMap(\.bytes))
        var longest = 0
        while let output = decoder.next() {
            if case .frame(let payload) = output { longest = max(longest, payload.count) }
        }
        #expect(longest == 3 + 4 + 256 + 1024)

        let full = try captureWhileReading(
            daemon, admin, out: dir.url.appendingPathComponent("p.trace"), seconds: 4, personal: true)
        #expect(try DeviceCapture(parsing: full).header.masked == false)
        #expect(full.contains(Self.ucs2Hex(Self.card.name.unmasked)))
        #expect(full.contains(Self.ucs2Hex(Self.card.idNumber.unmasked)))

        // The receipt printer while idle: its status polls, both directions.
        let printerTrace = dir.url.appendingPathComponent("r.trace")
        let printer = try ProcessRunner.run(
            "kioskctl",
            ["--socket", daemon.adminSocket, "capture", "receiptPrinter", "--out", printerTrace.path, "--seconds", "3"])
        #expect(printer.status == 0, "\(printer.stderr)")
        let printerCapture = try DeviceCapture(parsing: String(contentsOf: printerTrace, encoding: .utf8))
        #expect(printerCapture.header.role == "receiptPrinter")
        #expect(printerCapture.chunks.contains { $0.direction == .toDevice && $0.bytes.starts(with: [0x10, 0x04]) })
        #expect(printerCapture.chunks.contains { $0.direction == .fromDevice })

        // Usage errors exit 2, help exits 0, and the personal-data capture is audited as such.
        let usage = try ProcessRunner.run("kioskctl", ["--socket", daemon.adminSocket, "capture", "idReader"])
        #expect(usage.status == 2)
        #expect(try ProcessRunner.run("kioskctl", ["capture", "--help"]).status == 0)
        let unreachable = try ProcessRunner.run(
            "kioskctl",
            [
                "--socket", dir.url.appendingPathComponent("none.sock").path, "capture", "idReader", "--out",
                dir.url.appendingPathComponent("x").path,
            ])
        #expect(unreachable.status == 3)
        // admin.sock is 0600: an unprivileged user is told permission denied (exit 4), not "is kioskd running?".
        let nobody = try ChildProcess(
            "/usr/bin/setpriv",
            [
                "--reuid=65534", "--regid=65534", "--clear-groups", ProcessRunner.executable("kioskctl").path,
                "--socket", daemon.adminSocket, "capture", "idReader", "--out", "/dev/null",
            ],
            environment: ProcessInfo.processInfo.environment)
        #expect(nobody.waitForExit(deadline: .after(.seconds(30))))
        #expect(nobody.exitStatus == 4, "\(nobody.output)")
        #expect(nobody.output.contains("permission denied"))
        #expect(daemon.terminate() == 0)
        let store = try TransactionStore.open(path: dir.url.appendingPathComponent("state/kioskd.db").path)
        defer { store.close() }
        let audits = try store.auditEntries().filter { $0.action == "capture" }
        #expect(audits.count == 3)
        #expect(audits.first?.detail.contains("masked") == true)
        #expect(audits.dropFirst().first?.detail.contains("WITH personal data") == true)
        #expect(audits.last?.detail.contains("receiptPrinter") == true)
    }
}
