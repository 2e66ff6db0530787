import Foundation
import KioskCore
import KioskIO
import KioskProtocols
import KioskSimulators
import Testing

@testable import KioskDevices

/// Captures of misbehaving devices turned into regression tests (docs/device-capture.md §Replay): each fixture under
/// Tests/Fixtures/captures was recorded from a simulator with a fault, and is replayed through
/// `CaptureReplaySimulator` on a real PTY or TCP socket with the real driver on the other side.
///
/// `KIOSK_WRITE_CAPTURE_FIXTURES=1 swift test --filter CaptureFixtureWriter` records the fixtures again.
@Suite struct CaptureReplayRegressionTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/captures")

    static func fixture(_ name: String) throws -> DeviceCapture {
        let text = try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
        return try DeviceCapture(parsing: text)
    }

    /// A reader that sends noise before every reply, splits replies into 97-byte pieces and fails the first read:
    /// the driver must still read the resident sample card exactly once, reporting the failed read first.
    @Test func replay_noisyReaderWithAFailedRead_readsTheCard() async throws {
        let capture = try Self.fixture("id-reader-noisy-failed-read.trace")
        #expect(capture.header.role == "idReader")
        let replay = try CaptureReplaySimulator.idReader(capture)
        defer { replay.stop() }
        guard case .pty(let path) = replay.endpoint else { throw CaptureTestFailure("not a PTY") }
        let reader = IDCardReader(profile: testProfile(path))
        let log = IDCardReaderEventLog()
        let pump = Task { for await event in reader.events { await log.append(event) } }
        let running = Task { await reader.run() }
        defer {
            running.cancel()
            pump.cancel()
        }
        #expect(await log.next { $0.healthValue?.state == .ready } != nil)
        #expect(await log.next { $0.error != nil }?.error != nil)
        let read = await log.next { $0.readCard != nil }
        #expect(read?.readCard == IDReaderSampleCards.resident)
        #expect(read?.readPhoto?.wlt.count == 1024)
        #expect(await log.count { $0.readCard != nil } == 1)
        running.cancel()
        await running.value
        await pump.value
    }

    /// A receipt printer whose paper runs out after three lines of the receipt: the driver must call the print
    /// `unknown` (paper-end), never `printed` and never `failed` (bytes may be on paper).
    @Test func replay_paperRunsOutMidReceipt_isUnknownWithPaperEnd() async throws {
        let capture = try Self.fixture("receipt-printer-paper-out-mid-job.trace")
        #expect(capture.header.role == "receiptPrinter")
        let replay = try CaptureReplaySimulator.escposPrinter(capture)
        defer { replay.stop() }
        guard case .tcp(let host, let port) = replay.endpoint else { throw CaptureTestFailure("not TCP") }
        let printer = ReceiptPrinter(
            configuration: PrinterConfiguration(endpoint: .tcp(host: host, port: port), profile: testProfile()))
        let result = await printer.print(sampleReceipt())
        guard case .unknown(let problem) = result else {
            Issue.record("expected unknown, got \(result); unmatched: \(replay.unmatchedRequests)")
            return
        }
        #expect(problem.reason == "paper-end")
        #expect(await printer.health.reasons.contains("paper-end"))
        #expect(replay.answeredCount == replay.exchangeCount)
        await printer.close()
    }
}

struct CaptureTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Records the fixtures above from the simulators (run on demand, see CaptureReplayRegressionTests). The sample
/// card is invented, so the reader fixture keeps its data unmasked: the replayed read must decode it.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["KIOSK_WRITE_CAPTURE_FIXTURES"] == "1"))
struct CaptureFixtureWriter {
    @Test func writeReaderFixture() async throws {
        let simulator = try IDReaderSimulator(card: .sample(.resident))
        defer { simulator.stop() }
        simulator.updateFaults {
            $0.garbageBeforeReplies = [0x00, 0xAA, 0x96, 0x13, 0xAA, 0xAA, 0x55]
            $0.replyChunkSize = 97
            $0.failReads = 1
        }
        let recorder = CaptureRecorder()
        let started = Date()
        let reader = IDCardReader(profile: testProfile(simulator.devicePath)) { profile in
            RecordingTransport(try IDCardReader.openTransport(profile), recorder: recorder)
        }
        let log = IDCardReaderEventLog()
        let pump = Task { for await event in reader.events { await log.append(event) } }
        let running = Task { await reader.run() }
        #expect(await log.next { $0.readCard != nil }?.readCard == IDReaderSampleCards.resident)
        running.cancel()
        await running.value
        pump.cancel()
        let capture = DeviceCapture(
            recorder: recorder, role: "idReader", transport: "serial:\(simulator.devicePath)",
            version: KioskVersion.current, start: started, masking: .unmasked)
        try write(capture, "id-reader-noisy-failed-read.trace")
    }

    @Test func writePrinterFixture() async throws {
        let simulator = try ESCPOSPrinterSimulator.startTCP()
        defer { simulator.stop() }
        simulator.runOutOfPaper(afterLines: 3)
        guard case .tcp(let host, let port) = simulator.endpoint else { return }
        let proxy = try CaptureRecordingProxy(to: host, port: port)
        defer { proxy.stop() }
        let started = Date()
        let printer = ReceiptPrinter(
            configuration: PrinterConfiguration(
                endpoint: .tcp(host: "127.0.0.1", port: proxy.port), profile: testProfile()))
        let result = await printer.print(sampleReceipt())
        guard case .unknown = result else {
            Issue.record("expected unknown, got \(result)")
            return
        }
        await printer.close()
        let capture = DeviceCapture(
            recorder: proxy.recorder, role: "receiptPrinter", transport: "tcp:\(host):\(port)",
            version: KioskVersion.current, start: started, masking: .escpos)
        try write(capture, "receipt-printer-paper-out-mid-job.trace")
    }

    private func write(_ capture: DeviceCapture, _ name: String) throws {
        try FileManager.default.createDirectory(
            at: CaptureReplayRegressionTests.fixtures, withIntermediateDirectories: true)
        try Data(capture.text.utf8).write(to: CaptureReplayRegressionTests.fixtures.appendingPathComponent(name))
    }
}
