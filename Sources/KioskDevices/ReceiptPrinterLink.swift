import Glibc
import KioskIO
import KioskProtocols

/// The blocking side of a receipt printer or dispenser: opens the transport, asks for status, sends jobs.
///
/// Every call runs on the link's own lane (`perform`, a `BlockingLane`), never on an actor's executor; one job at a
/// time also keeps a status request from landing in the middle of a job's bytes. The open transport is attached to
/// the lane, so `stop()` (or `interrupt()`) closes it and a call blocked on a silent printer returns at once.
final class ReceiptPrinterLink: @unchecked Sendable {
    /// Where the hotplug monitor last found the device, when not at the configured path (docs/ARCHITECTURE.md §4.7).
    typealias NodeRoute = @Sendable () -> String?

    let configuration: PrinterConfiguration
    private let lane: BlockingLane
    private let route: NodeRoute
    // Lane-only state.
    private var transport: (any ByteTransport)?
    private var portStatusReader: (() throws(TransportError) -> USBPrinterPortStatus)?
    private var deviceIDReader: (() throws(TransportError) -> IEEE1284DeviceID)?
    private var reader = ESCPOSReplyReader()

    var profile: PrinterProfile { configuration.profile }

    init(configuration: PrinterConfiguration, label: String, route: @escaping NodeRoute = { nil }) {
        self.configuration = configuration
        self.route = route
        lane = BlockingLane(name: label)
    }

    /// The lane's thread ends with the link (a printer dropped without `stop()`, as a CLI command does).
    deinit { lane.close() }

    /// Runs `body` on the link's lane and returns its result to the awaiting task; nil once the link is stopped.
    func perform<T: Sendable>(_ body: @escaping @Sendable (ReceiptPrinterLink) -> T) async -> T? {
        await lane.perform(whenClosed: nil) { body(self) }
    }

    /// Closes the lane: a blocked call returns at once (its transport closed), later calls give nil.
    func stop() { lane.close() }

    /// Closes the open transport from outside the lane, waking a blocked call; the next call reopens.
    func interrupt() { lane.interrupt() }

    // MARK: Transport

    /// The endpoint to open now: the configured one, or the node the hotplug monitor found the device on.
    var currentEndpoint: PrinterEndpoint {
        switch configuration.endpoint {
        case .serial(_, let baud): route().map { .serial(path: $0, baudRate: baud) } ?? configuration.endpoint
        case .usblp: route().map { .usblp(path: $0) } ?? configuration.endpoint
        case .tcp, .usb: configuration.endpoint
        }
    }

    func open() throws(TransportError) {
        if transport != nil { return }
        if lane.isClosed { throw .closed }
        let deadline = Deadline.after(.milliseconds(configuration.openTimeoutMilliseconds))
        var opened: any ByteTransport
        switch currentEndpoint {
        case .tcp(let host, let port):
            opened = try TCPSocket.connect(host: host, port: port, deadline: deadline)
        case .serial(let path, let baud):
            do { opened = try SerialPort.open(path, settings: SerialSettings(baudRate: baud)) } catch {
                throw TransportError(error, path: path)
            }
        case .usblp(let path):
            let printer: USBLinePrinter
            do { printer = try USBLinePrinter(path: path) } catch { throw TransportError(error, path: path) }
            opened = printer
            portStatusReader = { () throws(TransportError) in try printer.portStatus() }
            deviceIDReader = { () throws(TransportError) in try printer.deviceID() }
        case .usb(let selector):
            let printer = try USBPrinterTransport(selector)
            opened = printer
            portStatusReader = { () throws(TransportError) in try printer.portStatus(deadline: .after(.seconds(5))) }
            deviceIDReader = { () throws(TransportError) in try printer.deviceID(deadline: .after(.seconds(5))) }
        }
        if let tap = configuration.transportTap { opened = tap(opened) }
        guard lane.attach(opened) else {
            portStatusReader = nil
            deviceIDReader = nil
            throw .closed
        }
        transport = opened
        reader.reset()
    }

    func close() {
        if let transport {
            lane.detach(transport)
            transport.close()
        }
        transport = nil
        portStatusReader = nil
        deviceIDReader = nil
    }

    func send(_ bytes: [UInt8]) throws(TransportError) {
        guard let transport else { throw .closed }
        try transport.write(bytes, deadline: .after(.milliseconds(profile.writeTimeoutMilliseconds)))
    }

    func deviceID() -> String? { try? deviceIDReader?().text }

    // MARK: Status

    /// The printer's status from the profile's source. Throws `.timedOut` when it does not answer in time.
    func status() throws(TransportError) -> PrinterStatus {
        switch profile.statusSource {
        case .realTime: return PrinterStatus(try realTimeStatus(profile.realTimeRequests))
        case .customFullStatus: return PrinterStatus(try customFullStatus())
        case .portStatus:
            guard let portStatusReader else {
                throw .system(SystemError("port status (this transport has none)", errno: EOPNOTSUPP))
            }
            let port = try portStatusReader()
            var found: Set<PrinterCondition> = []
            if port.paperEmpty { found.insert(.paperEnd) }
            if !port.selected { found.insert(.offline) }
            if port.error && !port.paperEmpty { found.insert(.errorOccurred) }
            return PrinterStatus(found)
        case .none: return PrinterStatus()
        }
    }

    /// The presenter's view: includes `.ticketAtExit` while a ticket waits in the exit.
    func presenterStatus() throws(TransportError) -> PrinterStatus {
        switch profile.presenter?.status {
        case .customFullStatus: return PrinterStatus(try customFullStatus())
        case .ejectorStatus:
            let reply = try exchange(ESCPOSCommand.presenterStatus, expecting: .ejectorStatus)
            guard case .ejectorStatus(let byte) = reply else { throw .timedOut(transferred: 0) }
            return PrinterStatus(ESCPOSStatusDecoder.ejectorStatus(byte))
        case nil: return PrinterStatus()
        }
    }

    /// All requests go out in one write; the replies come back in order.
    private func realTimeStatus(_ requests: [ESCPOSRealTimeStatusRequest]) throws(TransportError) -> Set<
        PrinterCondition
    > {
        guard let transport else { throw .closed }
        try transport.discardInput()
        reader.reset()
        let deadline = Deadline.after(.milliseconds(profile.statusTimeoutMilliseconds))
        try transport.write(requests.flatMap(ESCPOSCommand.realTimeStatus), deadline: deadline)
        var found: Set<PrinterCondition> = []
        for request in requests {
            let reply = try awaitReply(.realTimeStatus, deadline: deadline)
            guard case .realTimeStatus(let byte) = reply else { continue }
            // The reader only returns bytes with valid fixed bits, so decoding cannot fail here.
            found.formUnion((try? ESCPOSStatusDecoder.realTimeStatus(request, byte)) ?? [])
        }
        return found
    }

    private func customFullStatus() throws(TransportError) -> Set<PrinterCondition> {
        let reply = try exchange(ESCPOSCommand.customFullStatus, expecting: .customFullStatus)
        guard case .customFullStatus(let bytes) = reply else { throw .timedOut(transferred: 0) }
        return (try? ESCPOSStatusDecoder.customFullStatus(bytes)) ?? []
    }

    private func exchange(_ request: [UInt8], expecting expectation: ESCPOSReplyReader.Expectation)
        throws(TransportError) -> ESCPOSReplyReader.Reply
    {
        guard let transport else { throw .closed }
        try transport.discardInput()
        reader.reset()
        let deadline = Deadline.after(.milliseconds(profile.statusTimeoutMilliseconds))
        try transport.write(request, deadline: deadline)
        return try awaitReply(expectation, deadline: deadline)
    }

    private func awaitReply(_ expectation: ESCPOSReplyReader.Expectation, deadline: Deadline) throws(TransportError)
        -> ESCPOSReplyReader.Reply
    {
        guard let transport else { throw .closed }
        while true {
            if let reply = reader.next(expecting: expectation) { return reply }
            reader.append(try transport.read(upTo: 64, deadline: deadline))
        }
    }

    // MARK: Jobs

    /// Checks status, sends the job (and, for a dispenser, the present command), checks status again.
    /// `failed` only when no job byte was sent; `unknown` once any may have been.
    func printJob(_ job: PrinterJob, present: Bool) -> (PrintResult, DeviceHealth, PrinterStatus?) {
        do { try open() } catch {
            return (
                .failed(problem(error, doing: "opening \(configuration.endpoint)", sent: false)), health(after: error),
                nil
            )
        }
        var before = PrinterStatus()
        if profile.statusSource != .none {
            do { before = try statusReconnectingOnce() } catch {
                close()
                return (
                    .failed(problem(error, doing: "asking for status before '\(job.title)'", sent: false)),
                    health(after: error), nil
                )
            }
            if let blocking = before.blockingConditions.first {
                return (
                    .failed(
                        PrintProblem(
                            reason: blocking.rawValue,
                            message:
                                "\(configuration.endpoint) reports \(before) before '\(job.title)'; nothing was sent — \(ReceiptPrinterLink.advice(blocking))"
                        )),
                    DeviceHealth(printerStatus: before), before
                )
            }
        }
        if present, profile.presenter != nil {
            do {
                let presenter = try presenterStatus()
                if presenter.contains(.ticketAtExit) {
                    if profile.presenter?.untaken == .retract {
                        try send(ESCPOSCommand.presenterRetract)
                    }
                    if try presenterStatus().contains(.ticketAtExit) {
                        return (
                            .failed(
                                PrintProblem(
                                    reason: PrinterCondition.ticketAtExit.rawValue,
                                    message:
                                        "an earlier ticket is still in the exit of \(configuration.endpoint); nothing was sent — remove it"
                                )),
                            DeviceHealth(.degraded, reasons: [PrinterCondition.ticketAtExit.rawValue]), before
                        )
                    }
                }
            } catch {
                close()
                return (
                    .failed(problem(error, doing: "asking the presenter before '\(job.title)'", sent: false)),
                    health(after: error), nil
                )
            }
        }
        var bytes = job.bytes
        if present, let presenter = profile.presenter {
            bytes += ESCPOSCommand.presenterPresent(steps: presenter.presentSteps)
        }
        do { try send(bytes) } catch {
            close()
            if case .timedOut(let moved) = error, moved == 0 {
                return (
                    .failed(problem(error, doing: "sending '\(job.title)'", sent: false)), health(after: error), nil
                )
            }
            return (.unknown(problem(error, doing: "sending '\(job.title)'", sent: true)), health(after: error), nil)
        }
        guard profile.statusSource != .none else {
            return (
                .unknown(
                    PrintProblem(
                        reason: "no-status-channel",
                        message:
                            "'\(job.title)' was sent to \(configuration.endpoint), which reports no status; check the paper"
                    )),
                DeviceHealth(.ready), nil
            )
        }
        do {
            let after = try status()
            if let blocking = after.blockingConditions.first {
                return (
                    .unknown(
                        PrintProblem(
                            reason: blocking.rawValue,
                            message:
                                "\(configuration.endpoint) reports \(after) after '\(job.title)' was sent; it may be incomplete — \(ReceiptPrinterLink.advice(blocking))"
                        )),
                    DeviceHealth(printerStatus: after), after
                )
            }
            return (.printed, DeviceHealth(printerStatus: after), after)
        } catch {
            close()
            return (.unknown(problem(error, doing: "confirming '\(job.title)'", sent: true)), health(after: error), nil)
        }
    }

    /// Status; when a kept-open connection turns out dead (a printer rebooted, a TCP peer closed), reconnects once.
    /// Safe because nothing of a job has been sent yet.
    private func statusReconnectingOnce() throws(TransportError) -> PrinterStatus {
        do { return try status() } catch {
            switch error {
            case .disconnected, .closed:
                close()
                try open()
                return try status()
            default: throw error
            }
        }
    }

    /// Status for idle polls and self-tests, opening the transport if needed.
    func poll() -> (DeviceHealth, PrinterStatus?) {
        do {
            try open()
            guard profile.statusSource != .none else { return (DeviceHealth(.ready), nil) }
            let status = try statusReconnectingOnce()
            return (DeviceHealth(printerStatus: status), status)
        } catch {
            close()
            return (health(after: error), nil)
        }
    }

    func problem(_ error: TransportError, doing what: String, sent: Bool) -> PrintProblem {
        let tail = sent ? "bytes were sent; check the printout before printing again" : "nothing was sent"
        switch error {
        case .disconnected(let detail):
            return PrintProblem(reason: "disconnected", message: "\(what): \(detail); \(tail)")
        case .timedOut(let moved):
            return PrintProblem(
                reason: sent ? "write-timeout" : "status-timeout",
                message: "\(what): no answer from \(configuration.endpoint) in time (\(moved) bytes moved); \(tail)")
        case .system(let system):
            return PrintProblem(reason: "io-error", message: "\(what): \(system); \(tail)")
        case .closed:
            return PrintProblem(reason: "closed", message: "\(what): the connection was closed; \(tail)")
        }
    }

    func health(after error: TransportError) -> DeviceHealth {
        let path = "\(currentEndpoint)"
        switch error {
        case .disconnected(let what):
            return DeviceHealth(
                .disconnected, reasons: ["disconnected"], lastError: .init(path: path, errno: 0, message: what))
        case .closed: return DeviceHealth(.disconnected, reasons: ["disconnected"])
        case .timedOut:
            return DeviceHealth(
                .disconnected, reasons: ["not-responding"],
                lastError: .init(path: path, errno: 0, message: "no answer in time"))
        case .system(let system):
            return DeviceHealth.failure(path: path, errno: system.errno, message: system.description)
        }
    }

    static func advice(_ condition: PrinterCondition) -> String {
        switch condition {
        case .paperEnd: "load a new paper roll"
        case .coverOpen, .headUp: "close the printer cover"
        case .cutterError: "clear the cutter (open the cover, remove paper scraps)"
        case .paperJam: "clear the paper jam"
        case .offline: "check that the printer is switched on and online"
        case .recoverableError: "wait for the printer to recover (e.g. head cooling)"
        case .unrecoverableError, .mechanicalError, .errorOccurred: "power-cycle the printer; call service if it stays"
        case .paperNearEnd, .ticketAtExit, .feeding, .waitingForOnlineRecovery: "no action needed"
        }
    }
}
