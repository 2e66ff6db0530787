import Foundation
import KioskCore
import KioskDevices
import KioskIO
import KioskProtocols
import KioskSimulators
import Testing

/// `kioskctl direct read-card | sam-id` and `kioskctl simulate id-reader`, run as real processes against the
/// simulator's PTY.
@Suite struct IDCardReaderCLITests {
    struct Run: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The kioskctl built next to the test bundle (`swift build --build-tests` builds it).
    static var kioskctl: URL? {
        if let path = ProcessInfo.processInfo.environment["KIOSKCTL"] { return URL(fileURLWithPath: path) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("kioskctl")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    /// Runs kioskctl on a thread of its own (waiting for a process must not block Swift's cooperative pool); kills
    /// it after `limit`.
    static func kioskctl(_ arguments: [String], limit: Duration = .seconds(20)) async throws -> Run {
        let binary = try #require(kioskctl, "kioskctl not found next to the tests; run swift build --build-tests")
        return await withCheckedContinuation { done in
            let thread = Thread {
                let process = Process()
                process.executableURL = binary
                process.arguments = arguments
                let out = Pipe()
                let err = Pipe()
                process.standardOutput = out
                process.standardError = err
                do { try process.run() } catch {
                    done.resume(returning: Run(status: -1, stdout: "", stderr: "\(error)"))
                    return
                }
                let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }
                DispatchQueue.global().asyncAfter(
                    deadline: .now() + .milliseconds(Int(limit.components.seconds * 1000)),
                    execute: killer)
                let stdout = out.fileHandleForReading.readDataToEndOfFile()
                let stderr = err.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                killer.cancel()
                done.resume(
                    returning: Run(
                        status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                        stderr: String(decoding: stderr, as: UTF8.self)))
            }
            thread.start()
        }
    }

    static func object(_ json: String) -> [String: String] {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: String] ?? [:]
    }

    @Test(arguments: CardType.allCases)
    func readCard_json_everyCardTypeDecodedAndMasked(type: CardType) async throws {
        let simulator = try IDReaderSimulator(card: .sample(type))
        defer { simulator.stop() }
        let run = try await Self.kioskctl([
            "direct", "read-card", "--port", simulator.devicePath, "--timeout", "10", "--json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let json = Self.object(run.stdout)
        let card = IDReaderSampleCards.card(type)
        #expect(json["cardType"] == type.rawValue)
        #expect(json["idNumber"] == card.idNumber.masked)
        #expect(json["name"] == card.name.masked)
        #expect(json["birthDate"] == card.birthDate.description)
        #expect(json["validUntil"] == card.validUntil.description)
        #expect(json["gender"] == card.gender.rawValue)
        #expect(!(run.stdout + run.stderr).contains(card.idNumber.unmasked))
        switch type {
        case .resident:
            #expect(json["nation"] == "01")
            #expect(json["validUntil"] == "long-term")
            #expect(json["address"] == card.address?.masked)
        case .hkMacaoTaiwanPermit:
            #expect(json["issueCount"] == "01")
            #expect(json["passNumber"] != nil)
        case .foreignerPermanent2017:
            #expect(json["nationality"] == "USA")
            #expect(json["englishName"] == card.englishName?.masked)
            #expect(json["chineseName"] == card.chineseName?.masked)
        case .foreignerPermanent2023:
            #expect(json["nationality"] == "FRA")
            #expect(json["renewalCount"] == "00")
            #expect(json["englishName"] == card.englishName?.masked)
            #expect(json["chineseName"] == card.name.masked, "a Y card's name field is its Chinese name")
        }
    }

    /// Direct mode on a port kioskd has open is refused before a byte is sent (the daemon's open holds the lock).
    @Test(arguments: ["read-card", "sam-id"])
    func direct_onAPortTheDaemonHolds_isRefusedWithAClearMessage(command: String) async throws {
        let simulator = try IDReaderSimulator(card: .sample(.resident))
        defer { simulator.stop() }
        let held = try SerialPort.open(simulator.devicePath)
        let run = try await Self.kioskctl(["direct", command, "--port", simulator.devicePath])
        #expect(run.status == 1)
        #expect(run.stderr.contains("\(simulator.devicePath) is in use by kioskd"), "\(run.stderr)")
        #expect(simulator.replyCount == 0, "nothing was sent to the reader")
        held.close()
        let free = try await Self.kioskctl(["direct", "sam-id", "--port", simulator.devicePath])
        #expect(free.status == 0, "once the daemon let go: \(free.stderr)")
    }

    @Test func readCard_showPersonalInfo_printsClearValues() async throws {
        let simulator = try IDReaderSimulator(card: .sample(.resident))
        defer { simulator.stop() }
        let run = try await Self.kioskctl([
            "direct", "read-card", "--port", simulator.devicePath, "--json",
            "--show-personal-info",
        ])
        let json = Self.object(run.stdout)
        #expect(run.status == 0)
        #expect(json["idNumber"] == "11010519491231002X")
        #expect(json["name"] == "张三丰")
        #expect(json["address"] == "北京市东城区景山前街4号")
    }

    @Test func readCard_lateSplitNoisyCardWhoseFirstReadFails_isDecoded() async throws {
        let simulator = try IDReaderSimulator()
        defer { simulator.stop() }
        simulator.updateFaults {
            $0.failReads = 1
            $0.replyChunkSize = 9
            $0.garbageBeforeReplies = [0x13, 0xAA, 0x96, 0x00]
        }
        async let run = Self.kioskctl(["direct", "read-card", "--port", simulator.devicePath, "--timeout", "15"])
        #expect(await simulator.arrival(of: .findCard, count: 3, within: .seconds(10)))
        simulator.place(.foreignerPermanent2023)
        let result = try await run
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("cardType: foreignerPermanent2023"))
        #expect(result.stdout.contains("9326**********0017"))
        #expect(result.stderr.contains("0x41"))
        #expect(!(result.stdout + result.stderr).contains("932682198501010017"))
    }

    @Test func readCard_noCard_exitsNonZeroSayingSo() async throws {
        let simulator = try IDReaderSimulator()
        defer { simulator.stop() }
        let run = try await Self.kioskctl(["direct", "read-card", "--port", simulator.devicePath, "--timeout", "0.5"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("no card was read within 0.5 s"))
    }

    @Test func readCard_samSelfTestFailed_exitsNonZeroNamingTheFault() async throws {
        let simulator = try IDReaderSimulator(card: .sample(.resident))
        defer { simulator.stop() }
        simulator.updateFaults { $0.samStatus = .samSelfTestFailed }
        let run = try await Self.kioskctl(["direct", "read-card", "--port", simulator.devicePath, "--timeout", "5"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("0x60"))
    }

    @Test func readCard_missingPort_exitsNonZeroWithClearMessage() async throws {
        let run = try await Self.kioskctl([
            "direct", "read-card", "--port", "/dev/nonexistent-reader", "--timeout", "1",
        ])
        #expect(run.status == 1)
        #expect(run.stderr.contains("cannot use the ID-card reader on /dev/nonexistent-reader"))
    }

    @Test func readCard_badBaud_isUsageError() async throws {
        let run = try await Self.kioskctl(["direct", "read-card", "--port", "/dev/null", "--baud", "4800"])
        #expect(run.status == 2)
    }

    @Test func samID_printsFormattedSAMID() async throws {
        let simulator = try IDReaderSimulator()
        defer { simulator.stop() }
        let run = try await Self.kioskctl(["direct", "sam-id", "--port", simulator.devicePath])
        #expect(run.status == 0)
        #expect(run.stdout.contains("sam-id: 05.01-20102526-000012345-1234567890"))
    }

    @Test func simulate_printsPtyLine_servesAReader_andStopsOnSIGTERM() async throws {
        let binary = try #require(Self.kioskctl)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["simulate", "id-reader", "--card", "foreignerPermanent2017", "--timing", "instant"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let line: String = await withCheckedContinuation { done in
            Thread {
                var bytes: [UInt8] = []
                while bytes.last != 0x0A, bytes.count < 256 {
                    let chunk = out.fileHandleForReading.readData(ofLength: 1)
                    if chunk.isEmpty { break }
                    bytes += chunk
                }
                done.resume(returning: String(decoding: bytes, as: UTF8.self))
            }.start()
        }
        #expect(line.hasPrefix("pty: /dev/pts/"))
        let path = line.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)
        let reader = IDCardReader(profile: testProfile(path))
        let log = IDCardReaderEventLog()
        let pump = Task { for await event in reader.events { await log.append(event) } }
        let running = Task { await reader.run() }
        #expect(await log.next { $0.readCard != nil }?.readCard == IDReaderSampleCards.foreignerPermanent2017)
        running.cancel()
        await running.value
        pump.cancel()
        process.terminate()
        let status: Int32 = await withCheckedContinuation { done in
            Thread {
                process.waitUntilExit()
                done.resume(returning: process.terminationStatus)
            }.start()
        }
        #expect(status == 0)
    }
}
