import Foundation
import KioskCore
import KioskDevices
import KioskIO
import KioskProtocols
import KioskSimulators
import Testing

/// The driver recovering from each fault the simulator can inject, over a real PTY.
@Suite struct IDCardReaderFaultTests {
    @Test func readCard_firstReadFails0x41_emitsCardErrorThenReads() async throws {
        try await withSimulatedReader { simulator, _, log in
            simulator.updateFaults { $0.failReads = 1 }
            simulator.place(.resident)
            let error = await log.next { $0.error != nil }?.error
            #expect(error == .status(.readFailed, command: GA467Command.readBaseInfo.description))
            #expect(await log.next { $0.readCard != nil }?.readCard == IDReaderSampleCards.resident)
            #expect(await log.count { $0.isPresented } == 1)
        }
    }

    @Test func readCard_readFailsEveryTime_givesUpAfterCapUntilLifted() async throws {
        try await withSimulatedReader { simulator, _, log in
            simulator.updateFaults { $0.failReads = 1000 }
            simulator.place(.resident)
            for _ in 0..<3 { #expect(await log.next { $0.error != nil } != nil) }
            let finds = simulator.count(of: .findCard)
            #expect(await simulator.arrival(of: .findCard, count: finds + 10))
            #expect(simulator.count(of: .readBaseInfo) == 3)
        }
    }

    @Test func readCard_selectFails0x81_retriesAndReads() async throws {
        try await withSimulatedReader { simulator, _, log in
            simulator.updateFaults { $0.failSelects = 1 }
            simulator.place(.resident)
            #expect(await log.next { $0.error != nil }?.error?.reasonCode == "card-select-failed")
            #expect(await log.next { $0.readCard != nil } != nil)
        }
    }

    @Test(arguments: [5, 64, 500])
    func readCard_repliesSplitIntoChunks_decodes(chunk: Int) async throws {
        try await withSimulatedReader(configure: { $0.readTimeout = .seconds(4) }) { simulator, _, log in
            simulator.updateFaults { $0.replyChunkSize = chunk }
            simulator.place(.foreignerPermanent2017)
            #expect(await log.next { $0.readCard != nil }?.readCard == IDReaderSampleCards.foreignerPermanent2017)
        }
    }

    @Test func readCard_garbageBetweenFrames_resyncsOnPreambleAndReads() async throws {
        try await withSimulatedReader { simulator, _, log in
            simulator.updateFaults { $0.garbageBeforeReplies = [0x00, 0xAA, 0x96, 0x13, 0xAA, 0xAA, 0x55] }
            simulator.place(.resident)
            #expect(await log.next { $0.readCard != nil }?.readCard == IDReaderSampleCards.resident)
            #expect(await log.count { $0.error != nil } == 0)
        }
    }

    @Test func readCard_replyWithBadChecksum_isDiscardedThenRecovered() async throws {
        try await withSimulatedReader(configure: { $0.commandTimeout = .milliseconds(100) }) { simulator, _, log in
            simulator.updateFaults { $0.corruptReplies = 2 }
            simulator.place(.resident)
            #expect(await log.next { $0.readCard != nil }?.readCard == IDReaderSampleCards.resident)
        }
    }

    @Test func readCard_readerSilent_resetsReopensAndThenReads() async throws {
        try await withSimulatedReader(configure: { $0.commandTimeout = .milliseconds(80) }) { simulator, _, log in
            #expect(await log.next { $0.healthValue?.state == .ready } != nil)
            simulator.updateFaults { $0.silentCommands = 3 }
            #expect(
                await log.next { $0.healthValue == DeviceHealth(.faulted, reasons: ["reader-not-responding"]) } != nil)
            #expect(await simulator.arrival(of: .reset))
            #expect(await log.next { $0.healthValue?.state == .ready } != nil)
            simulator.place(.resident)
            #expect(await log.next { $0.readCard != nil } != nil)
        }
    }

    @Test func readCard_readerResetWhileCardLiesThere_doesNotReadItAgain() async throws {
        try await withSimulatedReader(
            card: .sample(.resident), findsCardAfterRead: true, configure: { $0.commandTimeout = .milliseconds(80) }
        ) { simulator, _, log in
            #expect(await log.next { $0.readCard != nil } != nil)
            simulator.updateFaults { $0.silentCommands = 3 }
            #expect(await simulator.arrival(of: .reset))
            #expect(await log.next { $0.healthValue?.state == .ready } != nil)
            let finds = simulator.count(of: .findCard)
            #expect(await simulator.arrival(of: .findCard, count: finds + 5))
            #expect(simulator.count(of: .readBaseInfo) == 1)
        }
    }

    @Test func readCard_unplugMidRead_reportsCardErrorAndDisconnected() async throws {
        // A long reopen delay: the freed /dev/pts/N may be handed to a PTY of a test running in parallel, which this
        // reader must not grab.
        try await withSimulatedReader(configure: { $0.initialReopenDelay = .seconds(30) }) { simulator, reader, log in
            simulator.updateFaults { $0.unplugDuringRead = true }
            simulator.place(.resident)
            #expect(await log.next { $0.error != nil }?.error?.reasonCode == "disconnected")
            let health = await log.next { $0.healthValue?.state == .disconnected }?.healthValue
            #expect(health == DeviceHealth(.disconnected, reasons: ["disconnected"]))
            #expect(await reader.health.state == .disconnected)
            #expect(await log.count { $0.readCard != nil } == 0)
        }
    }

    @Test(arguments: [(GA467Status.samSelfTestFailed, "sam-selftest-failed"), (.samUnauthorised, "sam-unauthorised")])
    func samFault_becomesFaultedHealth_andRecoversWhenCleared(status: GA467Status, reason: String) async throws {
        var faults = IDReaderSimulatorFaults()
        faults.samStatus = status
        try await withSimulatedReader(card: .sample(.resident), faults: faults) { simulator, _, log in
            #expect(await log.next { $0.healthValue == DeviceHealth(.faulted, reasons: [reason]) } != nil)
            #expect(await log.count { $0.readCard != nil } == 0)
            simulator.updateFaults { $0.samStatus = .success }
            #expect(await log.next { $0.healthValue?.state == .ready } != nil)
            #expect(await log.next { $0.readCard != nil } != nil)
        }
    }

    @Test func samFault_duringPolling_becomesFaultedHealth() async throws {
        try await withSimulatedReader { simulator, _, log in
            #expect(await log.next { $0.healthValue?.state == .ready } != nil)
            simulator.updateFaults { $0.samStatus = .samSelfTestFailed }
            #expect(
                await log.next { $0.healthValue == DeviceHealth(.faulted, reasons: ["sam-selftest-failed"]) } != nil)
        }
    }

    // docs/device-protocols.md §1.4: a find-card frame with CHK 0x21 (seen in the wild); a real reader answers SW3
    // 0x10.
    @Test func hostFrameWithBadChecksum_readerAnswers0x10() throws {
        let simulator = try IDReaderSimulator(card: .sample(.resident))
        defer { simulator.stop() }
        let port = try SerialPort.open(simulator.devicePath)
        let link = IDCardReaderLink(transport: port)
        defer { link.close() }
        let bad: [UInt8] = [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x21]
        let reply = try link.exchange(raw: bad, describedAs: .findCard, timeout: .seconds(2))
        #expect(reply.status == .checksumError)
        #expect(simulator.badFrameCount == 1)
        #expect(try link.exchange(.findCard, timeout: .seconds(2)).status == .cardFound)
    }

    @Test func link_afterTimeout_flushesLateReplyBeforeNextCommand() async throws {
        let simulator = try IDReaderSimulator()
        defer { simulator.stop() }
        var slow = IDReaderSimulatorTiming.instant
        slow.other = .milliseconds(300)
        simulator.timing = slow
        let port = try SerialPort.open(simulator.devicePath)
        let link = IDCardReaderLink(transport: port)
        defer { link.close() }
        #expect(throws: IDCardReaderError.timedOut(command: GA467Command.samID.description)) {
            try link.exchange(.samID, timeout: .milliseconds(50))
        }
        // The SAM ID reply is now waiting in the port's input; the next command must not take it for its own.
        #expect(await simulator.replies(reaching: 1))
        simulator.timing = .instant
        #expect(try link.exchange(.samStatus, timeout: .seconds(2)) == GA467Response(status: .success))
    }

    @Test func link_lateReplyArrivingAfterTheFlush_isRecognisedAsStale() async throws {
        let simulator = try IDReaderSimulator(card: .sample(.resident))
        defer { simulator.stop() }
        let port = try SerialPort.open(simulator.devicePath)
        let link = IDCardReaderLink(transport: port)
        defer { link.close() }
        // Write a select by hand and do not wait for its reply, then ask for find-card: the select reply (0x90 and
        // 8 bytes) arrives first and must be skipped.
        try port.write(GA467Command.selectCard.bytes, deadline: .after(.seconds(1)))
        let reply = try link.exchange(.findCard, timeout: .seconds(2))
        #expect(reply.status == .cardFound)
        #expect(reply.data == [0x01, 0x02, 0x03, 0x04])
        #expect(link.discardCount == 1)
    }

    @Test func plausibility_onlyFindCardAnswers9F() {
        #expect(!IDCardReaderLink.isPlausible(GA467Response(status: .success), for: .findCard))
        #expect(!IDCardReaderLink.isPlausible(GA467Response(status: .cardFound, data: [0, 0, 0, 0]), for: .selectCard))
        #expect(IDCardReaderLink.isPlausible(GA467Response(status: .noCard), for: .findCard))
        #expect(!IDCardReaderLink.isPlausible(GA467Response(status: .success, data: [1, 2]), for: .samID))
        #expect(IDCardReaderLink.isPlausible(GA467Response(status: .readFailed), for: .readBaseInfo))
    }
}
