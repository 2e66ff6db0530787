import Foundation
import KioskCore
import KioskStore
import Testing

@testable import KioskDaemon

/// Every request to the flow gets a reply or a deadline error (issue 9, item 7): on a real store file, no devices.
@Suite struct FlowRunnerRequestTests {
    static func runner(in dir: TemporaryDirectory) throws -> FlowRunner {
        let store = StoreLane(try TransactionStore.open(path: dir.url.appendingPathComponent("kioskd.db").path))
        return FlowRunner(
            flow: LicenceFlow(),
            dependencies: .init(
                store: store,
                terminal: Terminal(
                    idReader: nil, receiptPrinter: nil, ticketDispenser: nil, licenceOutput: nil, endpoints: [:]),
                authority: EmbeddedAuthority(config: AuthorityConfig(), store: store), logger: Logger(level: .error),
                kioskID: "K1", renderLicence: { _ in [] }, queueNumbering: try QueueNumbering(prefixes: ["A": "A"]),
                receiptQRURLBase: "https://example.invalid/tx/", licencePrintDeadline: .seconds(30)))
    }

    @Test func send_whileTheLoopIsNotRunning_answersWithTheDeadline() async throws {
        let dir = try TemporaryDirectory("runner-deadline")
        defer { dir.remove() }
        let runner = try Self.runner(in: dir)
        await #expect(throws: FlowRunner.RequestError.timedOut(.milliseconds(200))) {
            try await runner.send(.start(transactionID: "T1", kioskID: "K1"), deadline: .milliseconds(200))
        }
    }

    @Test func stop_answersEveryQueuedRequest() async throws {
        let dir = try TemporaryDirectory("runner-stop")
        defer { dir.remove() }
        let runner = try Self.runner(in: dir)
        let queued = Task { try await runner.send(.start(transactionID: "T1", kioskID: "K1"), deadline: .seconds(60)) }
        while await runner.waitingRequests == 0 { await Task.yield() }
        await runner.stop()
        await #expect(throws: FlowRunner.RequestError.stopping) { try await queued.value }
        await #expect(throws: FlowRunner.RequestError.stopping) { try await runner.send(.cancel) }
    }

    @Test func cancellingTheRunTask_answersTheRequestsItLeftBehind() async throws {
        let dir = try TemporaryDirectory("runner-cancel")
        defer { dir.remove() }
        let runner = try Self.runner(in: dir)
        let loop = Task { await runner.run() }
        await runner.wedge(for: .milliseconds(300))
        loop.cancel()
        await #expect(throws: FlowRunner.RequestError.stopping) {
            try await runner.send(.start(transactionID: "T1", kioskID: "K1"), deadline: .seconds(60))
        }
        await loop.value
    }
}
