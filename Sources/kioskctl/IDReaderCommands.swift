import Dispatch
import Foundation
import KioskCore
import KioskDaemon
import KioskDevices
import KioskIO
import KioskProtocols
import KioskSimulators

/// `direct read-card`, `direct sam-id`, `simulate id-reader` (issue 3): a technician at the bench, no daemon.
enum IDReaderCommands {
    static let help = """
        kioskctl direct read-card --port PATH [--baud 115200] [--timeout SECONDS] [--json] [--show-personal-info]
            waits for a card, reads and prints it; name, ID number and address are masked unless
            --show-personal-info. Exit 0 on a read, 1 on timeout or reader error, 2 on a usage error.
        kioskctl direct sam-id --port PATH [--baud 115200] [--json]
            SAM status (11 FF) and SAM ID (12 FF).
        kioskctl simulate id-reader [options]
            a GA 467 reader on a pseudo-terminal; prints "pty: /dev/pts/N", serves until SIGINT/SIGTERM.
            --card resident|hkMacaoTaiwanPermit|foreignerPermanent2017|foreignerPermanent2023|none  (resident)
            --place-after SECONDS       place the card only after this delay (a card that arrives late)
            --timing realistic|instant  115200 bps wire time + SAM processing, or none  (realistic)
            --fail-reads N              the next N reads answer SW3 0x41
            --fail-selects N            the next N selects answer SW3 0x81
            --silent-commands N         the next N commands get no reply (timeouts)
            --corrupt-replies N         the next N replies carry a wrong checksum
            --split-replies BYTES       write replies in chunks of this size
            --garbage                   noise before every reply
            --unplug-during-read        close the PTY halfway through the read reply
            --sam-status HEX            answer every command with this SW3 (60: self-test failed, 66: unauthorised)
            --finds-card-after-read     keep answering 9F for a card left on the reader after its read
        """

    static func direct(_ sub: String, _ arguments: [String]) -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            Console.line(help)
            return 0
        }
        do {
            switch sub {
            case "read-card": return try readCard(arguments)
            case "sam-id": return try samID(arguments)
            default: return KioskCtl.usageError("unknown direct subcommand '\(sub)'")
            }
        } catch {
            return KioskCtl.usageError(error.description)
        }
    }

    static func simulate(_ arguments: [String]) -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            Console.line(help)
            return 0
        }
        do {
            return try simulateReader(arguments)
        } catch {
            return KioskCtl.usageError(error.description)
        }
    }

    // MARK: - direct read-card

    private static func readCard(_ arguments: [String]) throws(Arguments.UsageError) -> Int32 {
        let args = try Arguments(
            arguments, valued: ["port", "baud", "timeout"], switches: ["json", "show-personal-info"])
        let profile = try serialProfile(args)
        let timeout = try args.seconds("timeout") ?? 30
        guard timeout <= 3600 else { throw Arguments.UsageError(description: "--timeout is at most 3600 seconds") }
        let showPersonal = args.flags.contains("show-personal-info")
        let json = args.flags.contains("json")
        let outcome = runBlocking { await waitForCard(profile: profile, timeout: timeout) }
        switch outcome {
        case .card(let card, let photo):
            Console.line(
                json
                    ? IDCardPresentation.json(card, showPersonalInfo: showPersonal)
                    : IDCardPresentation.text(card, photo: photo, showPersonalInfo: showPersonal))
            return 0
        case .failed(let message):
            return KioskCtl.failure(message)
        }
    }

    private enum ReadOutcome: Sendable {
        case card(IdentityCard, CardPhoto)
        case failed(String)
    }

    /// Checks the reader, then runs the driver until a card is read, the reader fails, or `timeout` passes.
    private static func waitForCard(profile: IDReaderProfile, timeout: Double) async -> ReadOutcome {
        let reader = IDCardReader(profile: profile)
        let port = "\(profile.transport)"
        do {
            let report = try await reader.selfTest()
            guard report.samStatus == .success else {
                return .failed(
                    "the ID-card reader on \(port) reports \(report.samStatus); power-cycle it, and if it "
                        + "persists have its SAM module checked")
            }
        } catch {
            return .failed("cannot use the ID-card reader on \(port): \(error)")
        }
        Console.error("waiting up to \(formatSeconds(timeout)) s for a card on \(port)…")
        let running = Task { await reader.run() }
        let clock = Task {
            try? await Task.sleep(for: .milliseconds(Int64(timeout * 1000)))
            running.cancel()
        }
        defer { clock.cancel(); running.cancel() }
        var outcome = ReadOutcome.failed(
            "no card was read within \(formatSeconds(timeout)) s; place the card flat on "
                + "the reader and try again (or raise --timeout)")
        loop: for await event in reader.events {
            switch event {
            case .cardRead(let card, let photo):
                outcome = .card(card, photo)
                break loop
            case .cardError(let error):
                Console.error("kioskctl: reading the card failed (\(error)); retrying, keep the card on the reader")
            case .health(let health)
            where health.state == .faulted && health.reasons.contains(where: { $0.hasPrefix("sam-") }):
                outcome = .failed(
                    "the ID-card reader on \(port) faulted (\(health.reasons.joined(separator: ", "))); "
                        + "power-cycle it, and if it persists have its SAM module checked")
                break loop
            case .health(let health) where health.state == .disconnected:
                outcome = .failed("the ID-card reader on \(port) disconnected; check the cable and run again")
                break loop
            case .health(let health) where health.state == .faulted:
                Console.error("kioskctl: the reader is not answering (\(health)); resetting it and retrying")
            default:
                break
            }
        }
        running.cancel()
        await running.value
        return outcome
    }

    // MARK: - direct sam-id

    private static func samID(_ arguments: [String]) throws(Arguments.UsageError) -> Int32 {
        let args = try Arguments(arguments, valued: ["port", "baud"], switches: ["json"])
        let profile = try serialProfile(args)
        let result: Result<IDReaderSelfTestReport, IDCardReaderError> = runBlocking {
            do throws(IDCardReaderError) {
                return .success(try await IDCardReader(profile: profile).selfTest())
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .failure(let error):
            return KioskCtl.failure("cannot read the SAM ID on \(profile.transport): \(error)")
        case .success(let report):
            guard let id = report.samID else {
                return KioskCtl.failure(
                    "the reader on \(profile.transport) reports \(report.samStatus) and gave no SAM ID")
            }
            if args.flags.contains("json") {
                Console.line(#"{"samID":"\#(id.formatted)","samStatus":"\#(report.samStatus.reasonCode)"}"#)
            } else {
                Console.line("sam-id: \(id.formatted)")
                Console.line("sam-status: \(report.samStatus)")
            }
            return 0
        }
    }

    // MARK: - simulate id-reader

    private static func simulateReader(_ arguments: [String]) throws(Arguments.UsageError) -> Int32 {
        let args = try Arguments(
            arguments,
            valued: [
                "card", "place-after", "timing", "fail-reads", "fail-selects", "split-replies", "silent-commands",
                "corrupt-replies", "sam-status",
            ],
            switches: ["garbage", "unplug-during-read", "finds-card-after-read"])
        let cardName = args.values["card"] ?? CardType.resident.rawValue
        let card: IDReaderSimulatorCard?
        if cardName == "none" {
            card = nil
        } else if let type = CardType(rawValue: cardName) {
            card = .sample(type)
        } else {
            throw Arguments.UsageError(
                description: "--card must be none or one of "
                    + CardType.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let timing: IDReaderSimulatorTiming
        switch args.values["timing"] ?? "realistic" {
        case "realistic": timing = .realistic
        case "instant": timing = .instant
        case let other: throw Arguments.UsageError(description: "--timing must be realistic or instant, got '\(other)'")
        }
        var faults = IDReaderSimulatorFaults()
        faults.failReads = try count(args, "fail-reads")
        faults.failSelects = try count(args, "fail-selects")
        faults.silentCommands = try count(args, "silent-commands")
        faults.corruptReplies = try count(args, "corrupt-replies")
        if args.values["split-replies"] != nil {
            let size = try count(args, "split-replies")
            guard size > 0 else { throw Arguments.UsageError(description: "--split-replies needs a chunk size ≥ 1") }
            faults.replyChunkSize = size
        }
        if args.flags.contains("garbage") { faults.garbageBeforeReplies = [0x00, 0xAA, 0x96, 0x13, 0xAA, 0xAA, 0x55] }
        faults.unplugDuringRead = args.flags.contains("unplug-during-read")
        if let text = args.values["sam-status"] {
            guard let code = UInt8(text.replacingOccurrences(of: "0x", with: ""), radix: 16) else {
                throw Arguments.UsageError(
                    description: "--sam-status expects a hex SW3 such as 60 or 66, got '\(text)'")
            }
            faults.samStatus = GA467Status(code: code)
        }
        let placeAfter = try args.seconds("place-after")

        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let simulator: IDReaderSimulator
        do {
            simulator = try IDReaderSimulator(
                timing: timing, card: placeAfter == nil ? card : nil,
                findsCardAfterRead: args.flags.contains("finds-card-after-read"))
        } catch {
            return KioskCtl.failure("cannot create a pseudo-terminal for the simulator: \(error)")
        }
        simulator.faults = faults
        if let placeAfter, let card {
            DispatchQueue.global().asyncAfter(deadline: .now() + placeAfter) { simulator.place(card) }
        }
        Console.line("pty: \(simulator.devicePath)")
        Console.error("simulated GA 467 reader (card: \(cardName)); stop with Ctrl-C or SIGTERM")
        let stop = DispatchSemaphore(value: 0)
        let sources = [SIGINT, SIGTERM].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stop.signal() }
            source.resume()
            return source
        }
        stop.wait()
        sources.forEach { $0.cancel() }
        simulator.stop()
        return 0
    }

    // MARK: - Helpers

    private static func serialProfile(_ args: Arguments) throws(Arguments.UsageError) -> IDReaderProfile {
        guard let port = args.values["port"], !port.isEmpty else {
            throw Arguments.UsageError(description: "--port PATH is required (e.g. /dev/ttyUSB0 or a simulator's pty)")
        }
        let baud = try args.integer("baud") ?? 115200
        guard SerialSettings.supportedBaudRates.contains(baud) else {
            throw Arguments.UsageError(
                description: "--baud must be one of "
                    + SerialSettings.supportedBaudRates.map(String.init).joined(separator: ", "))
        }
        return IDReaderProfile.serial(path: port, baudRate: baud)
    }

    private static func count(_ args: Arguments, _ key: String) throws(Arguments.UsageError) -> Int {
        let value = try args.integer(key) ?? 0
        guard (0...1_000_000).contains(value) else {
            throw Arguments.UsageError(description: "--\(key) expects a count from 0 to 1000000")
        }
        return value
    }

    private static func formatSeconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
