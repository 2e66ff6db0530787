import Dispatch
import Foundation
import KioskCore
import KioskDaemon
import KioskDevices
import KioskDocuments
import KioskIO
import KioskProtocols
import KioskSimulators

/// `direct test-receipt`, `direct printer-status`, `direct dispense-ticket`, `simulate receipt-printer|dispenser`
/// (issue 4). Direct mode talks to the printer itself, no daemon.
enum ReceiptCommands {
    static let endpointOptions: Set<String> = ["tcp", "port", "baud", "usblp", "usb", "width", "profile", "timeout"]

    static func direct(_ sub: String, _ arguments: [String]) -> Int32 {
        do {
            switch sub {
            case "test-receipt":
                return try testReceipt(Arguments(arguments, valued: endpointOptions))
            case "printer-status":
                return try printerStatus(Arguments(arguments, valued: endpointOptions, switches: ["json"]))
            case "dispense-ticket":
                return try dispenseTicket(
                    Arguments(
                        arguments,
                        valued: endpointOptions.union(["category", "number", "take-timeout", "waiting", "window"]),
                        switches: ["leave"]))
            default:
                return KioskCtl.usageError("unknown direct subcommand '\(sub)'")
            }
        } catch {
            return KioskCtl.usageError(error.description)
        }
    }

    // MARK: direct

    private static func testReceipt(_ args: Arguments) throws(Arguments.UsageError) -> Int32 {
        let configuration = try configuration(args, defaultProfile: .generic80)
        let stamp = localTimestamp()
        let payload = "kioskd test-receipt \(stamp)"
        let bytes = ReceiptTestPage.render(
            paper: configuration.profile.paper, cut: configuration.profile.cut,
            qrPayload: payload, stamp: stamp)
        Console.line("qr: \(payload)")
        let printer = ReceiptPrinter(configuration: configuration)
        let result = runBlocking {
            let result = await printer.print(PrinterJob(title: "test receipt", bytes: bytes))
            await printer.close()
            return result
        }
        switch result {
        case .printed:
            Console.line("printed test receipt (\(bytes.count) bytes) on \(configuration.endpoint)")
            return 0
        case .failed(let problem):
            return KioskCtl.failure("test receipt not printed: \(problem)")
        case .unknown(let problem):
            return KioskCtl.failure("test receipt sent but not confirmed: \(problem)")
        }
    }

    private static func printerStatus(_ args: Arguments) throws(Arguments.UsageError) -> Int32 {
        let configuration = try configuration(args, defaultProfile: .generic80)
        let printer = ReceiptPrinter(configuration: configuration)
        let report = runBlocking {
            let report = await printer.selfTest()
            await printer.close()
            return report
        }
        if args.flags.contains("json") {
            var object: [String: Any] = [
                "class": "printerStatus",
                "endpoint": "\(configuration.endpoint)",
                "profile": configuration.profile.name,
                "health": ["state": report.health.state.rawValue, "reasons": report.health.reasons],
            ]
            if let status = report.status {
                object["online"] = status.isOnline
                object["conditions"] = status.sortedConditions.map(\.rawValue)
            }
            if let id = report.deviceID { object["deviceID"] = id }
            guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
                return KioskCtl.failure("could not encode the status as JSON")
            }
            Console.line(String(decoding: data, as: UTF8.self))
        } else {
            Console.line("printer: \(configuration.endpoint) (profile \(configuration.profile.name))")
            Console.line("health: \(report.health)")
            if let status = report.status {
                Console.line("online: \(status.isOnline ? "yes" : "no")")
                Console.line(
                    "conditions: \(status.conditions.isEmpty ? "none" : status.sortedConditions.map(\.rawValue).joined(separator: ", "))"
                )
            }
            if let id = report.deviceID { Console.line("device ID: \(id)") }
        }
        return report.health.state == .ready || report.health.state == .degraded ? 0 : 1
    }

    private static func dispenseTicket(_ args: Arguments) throws(Arguments.UsageError) -> Int32 {
        var configuration = try configuration(args, defaultProfile: .kpmTicket80)
        guard let category = args.values["category"], !category.isEmpty, category.count <= 32 else {
            throw Arguments.UsageError(description: "dispense-ticket needs --category (e.g. --category A)")
        }
        if let seconds = try args.seconds("take-timeout") {
            configuration.profile.presenter?.takeTimeoutMilliseconds = Int(seconds * 1000)
        }
        if args.flags.contains("leave") { configuration.profile.presenter?.untaken = .leave }
        let number: String
        if let given = args.values["number"] {
            number = given
        } else {
            // Direct mode has no store: a one-off number from the rule with an in-memory counter.
            let prefix = category.count <= 2 && category.allSatisfy({ $0.isASCII && $0.isUppercase }) ? category : "A"
            do {
                let rule = try QueueNumbering(prefixes: [category: prefix])
                number = try rule.issue(
                    category: category, at: Date(), timeZone: .current, counter: InMemoryQueueNumberCounter()
                ).text
            } catch {
                return KioskCtl.failure("cannot number the ticket: \(error)")
            }
        }
        let content = QueueTicketContent(
            serviceCategory: category, number: number,
            peopleWaiting: try args.integer("waiting") ?? 0, time: Date(), timeZone: .current,
            windowHint: args.values["window"] ?? "请留意叫号屏")
        let bytes = QueueTicketLayout.render(
            content, paper: configuration.profile.paper, cut: configuration.profile.cut,
            repertoire: configuration.profile.repertoire)
        let dispenser = TicketDispenser(configuration: configuration)
        let result = runBlocking {
            let result = await dispenser.dispense(PrinterJob(title: "ticket \(number)", bytes: bytes))
            await dispenser.close()
            return result
        }
        Console.line("ticket \(number): \(result)")
        switch result {
        case .taken: return 0
        case .left, .retracted: return 0
        case .failed, .unknown: return 1
        }
    }

    /// The endpoint and profile from `--tcp`, `--port [--baud]`, `--usblp` or `--usb VID:PID`, `--profile`, `--width`.
    static func configuration(_ args: Arguments, defaultProfile: PrinterProfile) throws(Arguments.UsageError)
        -> PrinterConfiguration
    {
        let given = ["tcp", "port", "usblp", "usb"].filter { args.values[$0] != nil }
        guard given.count == 1, let which = given.first, let value = args.values[which] else {
            throw Arguments.UsageError(
                description: "give exactly one of --tcp HOST:PORT, --port PATH, --usblp PATH, --usb VID:PID")
        }
        let endpoint: PrinterEndpoint?
        switch which {
        case "tcp": endpoint = PrinterEndpoint(parsing: "tcp:\(value)")
        case "port": endpoint = PrinterEndpoint(parsing: "serial:\(value)@\(try args.integer("baud") ?? 115200)")
        case "usblp": endpoint = .usblp(path: value)
        default: endpoint = PrinterEndpoint(parsing: "usb:\(value)")
        }
        guard let endpoint else {
            throw Arguments.UsageError(description: "--\(which) '\(value)' is not a valid address")
        }
        var profile = defaultProfile
        if let name = args.values["profile"] {
            guard let named = PrinterProfile.named(name) else {
                throw Arguments.UsageError(
                    description:
                        "unknown profile '\(name)'; known: \(PrinterProfile.builtIn.map(\.name).joined(separator: ", "))"
                )
            }
            profile = named
        }
        if which == "usblp" && args.values["profile"] == nil { profile.statusSource = .portStatus }
        if let width = try args.integer("width") {
            guard let paper = PaperWidth(rawValue: width) else {
                throw Arguments.UsageError(description: "--width must be 58 or 80")
            }
            profile.paper = paper
        }
        if let seconds = try args.seconds("timeout") { profile.statusTimeoutMilliseconds = Int(seconds * 1000) }
        return PrinterConfiguration(endpoint: endpoint, profile: profile)
    }

    // MARK: simulate

    static func simulate(_ sub: String, _ arguments: [String]) -> Int32 {
        let args: Arguments
        do {
            args = try Arguments(arguments, valued: ["tcp", "out", "fault", "take-after"], switches: ["pty"])
        } catch { return KioskCtl.usageError(error.description) }
        let dispenser = sub == "dispenser"
        var options: ESCPOSPrinterSimulator.Options = dispenser ? .dispenser() : .receiptPrinter
        do {
            if let polls = try args.integer("take-after") { options.ticketTaking = .afterStatusPolls(max(0, polls)) }
        } catch { return KioskCtl.usageError(error.description) }
        let simulator: ESCPOSPrinterSimulator
        do {
            if args.flags.contains("pty") {
                simulator = try ESCPOSPrinterSimulator.startPTY(options: options)
            } else {
                let port = UInt16(args.values["tcp"] ?? "0")
                guard let port else { return KioskCtl.usageError("--tcp takes a port number (0 = any free port)") }
                simulator = try ESCPOSPrinterSimulator.startTCP(port: port, options: options)
            }
        } catch {
            return KioskCtl.failure("cannot start the simulator: \(error)")
        }
        for name in (args.values["fault"] ?? "").split(separator: ",") {
            guard let fault = ESCPOSSimulatorFault(rawValue: String(name)) else {
                simulator.stop()
                return KioskCtl.usageError(
                    "unknown fault '\(name)'; known: \(ESCPOSSimulatorFault.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            simulator.setFault(fault, true)
        }
        Console.line("\(dispenser ? "dispenser" : "receipt printer") simulator listening on \(simulator.endpoint)")
        let stop = StopSignal()
        var shown = 0
        var events = 0
        while !stop.requested {
            _ = simulator.wait(until: .after(seconds: 1)) {
                $0.documents.count > shown || $0.presenterEvents.count > events
            }
            let documents = simulator.documents
            for document in documents.dropFirst(shown) {
                Console.line("--- document \(shown + 1) ---")
                Console.line(document.text)
                for payload in document.qrPayloads { Console.line("qr: \(payload)") }
                shown += 1
            }
            let presenter = simulator.presenterEvents
            for event in presenter.dropFirst(events) { Console.line("presenter: \(event)") }
            events = presenter.count
            if let out = args.values["out"], !documents.isEmpty {
                do { try simulator.writeDocuments(to: out) } catch {
                    Console.error("kioskctl: cannot write \(out): \(error)")
                }
            }
        }
        simulator.stop()
        return 0
    }

    // MARK: helpers

    static func localTimestamp() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date())
    }
}

/// SIGINT / SIGTERM set a flag the simulator loop checks once a second.
final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    private var sources: [DispatchSourceSignal] = []

    init() {
        for signal in [SIGINT, SIGTERM] {
            Foundation.signal(signal, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
            source.setEventHandler { [weak self] in self?.set() }
            source.resume()
            sources.append(source)
        }
    }

    var requested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return flag
    }

    private func set() {
        lock.lock()
        flag = true
        lock.unlock()
    }
}
