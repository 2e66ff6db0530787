import Foundation
import KioskCore
import KioskDevices
import KioskIO
import KioskProtocols
import KioskSimulators
import Testing

/// The driver against the byte-exact simulator over a real PTY: normal reads and the one-read-per-presentation rule.
@Suite struct IDCardReaderTests {
    @Test func readCard_residentCardPlaced_emitsReadyPresentedThenRead() async throws {
        try await withSimulatedReader(card: .sample(.resident)) { _, reader, log in
            #expect(await log.next { $0.healthValue?.state == .ready } != nil)
            #expect(await log.next { $0.isPresented } != nil)
            let read = await log.next { $0.readCard != nil }
            #expect(read?.readCard == IDReaderSampleCards.resident)
            #expect(read?.readPhoto?.wlt.count == 1024)
            #expect(await reader.health.state == .ready)
        }
    }

    @Test(arguments: CardType.allCases)
    func readCard_everyCardType_decodesOverPTY(type: CardType) async throws {
        try await withSimulatedReader(card: .sample(type)) { _, _, log in
            let card = await log.next { $0.readCard != nil }?.readCard
            #expect(card == IDReaderSampleCards.card(type))
            #expect(card?.cardType == type)
        }
    }

    @Test func readCard_cardArrivesLate_isReadAfterItIsPlaced() async throws {
        try await withSimulatedReader { simulator, _, log in
            #expect(await simulator.arrival(of: .findCard, count: 5))
            #expect(await log.count { $0.isPresented } == 0)
            simulator.place(.foreignerPermanent2023)
            #expect(await log.next { $0.readCard != nil }?.readCard == IDReaderSampleCards.foreignerPermanent2023)
        }
    }

    @Test func readCard_withFingerprintProfile_readsWithThirtyTen() async throws {
        try await withSimulatedReader(card: .sample(.resident), configure: { $0.readFingerprint = true }) {
            simulator, _, log in
            #expect(await log.next { $0.readCard != nil }?.readCard == IDReaderSampleCards.resident)
            #expect(simulator.count(of: .readBaseInfoWithFingerprint) == 1)
            #expect(simulator.count(of: .readBaseInfo) == 0)
        }
    }

    @Test func readCard_cardLeftOnLenientReader_isNotReadAgain() async throws {
        try await withSimulatedReader(card: .sample(.resident), findsCardAfterRead: true) { simulator, _, log in
            #expect(await log.next { $0.readCard != nil } != nil)
            let finds = simulator.count(of: .findCard)
            #expect(await simulator.arrival(of: .findCard, count: finds + 10))
            #expect(simulator.count(of: .readBaseInfo) == 1)
            #expect(await log.count { $0.readCard != nil } == 1)
        }
    }

    @Test func readCard_cardLeftOnStandardReader_isNotReadAgain() async throws {
        try await withSimulatedReader(card: .sample(.resident)) { simulator, _, log in
            #expect(await log.next { $0.readCard != nil } != nil)
            let finds = simulator.count(of: .findCard)
            #expect(await simulator.arrival(of: .findCard, count: finds + 10))
            #expect(simulator.count(of: .readBaseInfo) == 1)
        }
    }

    @Test func readCard_liftedAndPlacedAgain_emitsRemovedThenReadsAgain() async throws {
        try await withSimulatedReader(card: .sample(.resident), findsCardAfterRead: true) { simulator, _, log in
            #expect(await log.next { $0.readCard != nil } != nil)
            simulator.lift()
            let finds = simulator.count(of: .findCard)
            #expect(await simulator.arrival(of: .findCard, count: finds + 2))
            simulator.place(.hkMacaoTaiwanPermit)
            #expect(await log.next { $0.isRemoved } != nil)
            #expect(await log.next { $0.isPresented } != nil)
            #expect(await log.next { $0.readCard != nil }?.readCard == IDReaderSampleCards.hkMacaoTaiwanPermit)
        }
    }

    @Test func readCard_unreadCardLifted_emitsRemoved() async throws {
        try await withSimulatedReader(configure: { $0.maxReadAttempts = 1000 }) { simulator, _, log in
            simulator.updateFaults { $0.failReads = 1000 }
            simulator.place(.resident)
            #expect(await log.next { $0.error != nil } != nil)
            simulator.lift()
            #expect(await log.next { $0.isRemoved } != nil)
        }
    }

    @Test func selfTest_whileRunning_returnsSAMStatusAndID() async throws {
        try await withSimulatedReader { _, reader, log in
            #expect(await log.next { $0.healthValue?.state == .ready } != nil)
            let report = try await reader.selfTest()
            #expect(report.passed)
            #expect(report.samID?.bytes == IDReaderSimulator.samIDBytes)
        }
    }

    @Test func selfTest_withoutRun_opensThePortItself() async throws {
        let simulator = try IDReaderSimulator()
        defer { simulator.stop() }
        let reader = IDCardReader(profile: testProfile(simulator.devicePath))
        let report = try await reader.selfTest()
        #expect(report.samStatus == .success)
        #expect(report.samID?.formatted == GA467SAMID(replyData: IDReaderSimulator.samIDBytes)?.formatted)
    }

    @Test func selfTest_missingPort_throwsDisconnected() async {
        let reader = IDCardReader(profile: testProfile("/dev/pts/does-not-exist"))
        await #expect(throws: IDCardReaderError.self) { try await reader.selfTest() }
    }

    @Test func pause_stopsPolling_andResumeReadsTheCard() async throws {
        try await withSimulatedReader(startPaused: true) { simulator, reader, log in
            #expect(await log.next { $0.healthValue?.state == .ready } != nil)
            simulator.place(.resident)
            // A self-test is served by the loop even while paused: proof the loop is alive and not polling.
            _ = try await reader.selfTest()
            #expect(simulator.count(of: .findCard) == 0)
            await reader.resume()
            #expect(await log.next { $0.readCard != nil } != nil)
        }
    }

    @Test func run_cancelled_finishesEventStreamAndReleasesPort() async throws {
        let simulator = try IDReaderSimulator()
        defer { simulator.stop() }
        let reader = IDCardReader(profile: testProfile(simulator.devicePath))
        let running = Task { await reader.run() }
        #expect(await simulator.arrival(of: .findCard))
        running.cancel()
        await running.value
        var remaining = 0
        for await _ in reader.events { remaining += 1 }
        #expect(remaining >= 1)
        // The loop is gone: while another client exchanges forty commands on the port, no find-card arrives.
        let finds = simulator.count(of: .findCard)
        let port = try SerialPort.open(simulator.devicePath)
        let link = IDCardReaderLink(transport: port)
        defer { link.close() }
        for _ in 0..<40 { #expect(try link.exchange(.samStatus, timeout: .seconds(2)).status == .success) }
        #expect(simulator.count(of: .findCard) == finds)
    }

    @Test func events_description_neverShowsTheFullIDNumberOrName() async throws {
        try await withSimulatedReader(card: .sample(.resident)) { _, _, log in
            let event = await log.next { $0.readCard != nil }
            let text = "\(String(describing: event)) \(event.map { String(reflecting: $0) } ?? "")"
            #expect(!text.contains("11010519491231002X"))
            #expect(!text.contains("张三丰"))
            #expect(text.contains("1101**********002X"))
        }
    }
}
