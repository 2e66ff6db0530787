import Foundation
import KioskIO
import KioskProtocols

/// A simulated ESC/POS receipt printer or ticket dispenser on a real TCP port (127.0.0.1) or a real PTY.
///
/// It parses what it receives, keeps what it printed as documents (text, QR payloads, cuts), answers `DLE EOT`,
/// `GS e 6` and `DLE EOT 20`, and can be put into fault states. A dispenser (`hasPresenter`) holds a presented ticket
/// until it is taken — by `takeTicket()` or after a scripted number of status polls — or retracted.
///
/// One serving thread per simulator; all state sits behind one condition so tests can wait for events with a deadline.
public final class ESCPOSPrinterSimulator: @unchecked Sendable {
    public enum Endpoint: Sendable, Hashable, CustomStringConvertible {
        case tcp(host: String, port: UInt16)
        case pty(path: String)

        public var description: String {
            switch self {
            case .tcp(let host, let port): "tcp \(host):\(port)"
            case .pty(let path): "pty \(path)"
            }
        }
    }

    public struct Options: Sendable {
        public var hasPresenter: Bool
        public var ticketTaking: ESCPOSTicketTaking
        /// Answer status requests at all (false: a unidirectional or mute printer).
        public var responding: Bool

        public init(hasPresenter: Bool = false, ticketTaking: ESCPOSTicketTaking = .manual, responding: Bool = true) {
            self.hasPresenter = hasPresenter
            self.ticketTaking = ticketTaking
            self.responding = responding
        }

        public static let receiptPrinter = Options()
        public static func dispenser(ticketTaking: ESCPOSTicketTaking = .manual) -> Options {
            Options(hasPresenter: true, ticketTaking: ticketTaking)
        }
    }

    public let endpoint: Endpoint
    private let condition = NSCondition()
    private var machine: ESCPOSSimulatorInterpreter
    private var stopped = false
    private var connections = 0
    private let listener: SocketListener?
    private let terminal: PseudoTerminal?
    private var activeTransport: DescriptorTransport?
    private var thread: Thread?

    /// Starts listening on 127.0.0.1 (`port` 0 = ephemeral; the bound port is in `endpoint`).
    public static func startTCP(port: UInt16 = 0, options: Options = .receiptPrinter) throws(SystemError)
        -> ESCPOSPrinterSimulator
    {
        let listener = try SocketListener.tcp(host: "127.0.0.1", port: port)
        let simulator = ESCPOSPrinterSimulator(
            endpoint: .tcp(host: "127.0.0.1", port: listener.port ?? port),
            listener: listener, terminal: nil, options: options)
        simulator.start()
        return simulator
    }

    /// Starts on a new pseudo-terminal; drivers open `endpoint`'s path as a serial port.
    public static func startPTY(options: Options = .receiptPrinter) throws(SystemError) -> ESCPOSPrinterSimulator {
        let terminal = try PseudoTerminal()
        let simulator = ESCPOSPrinterSimulator(
            endpoint: .pty(path: terminal.replicaPath), listener: nil,
            terminal: terminal, options: options)
        simulator.start()
        return simulator
    }

    private init(endpoint: Endpoint, listener: SocketListener?, terminal: PseudoTerminal?, options: Options) {
        self.endpoint = endpoint
        self.listener = listener
        self.terminal = terminal
        machine = ESCPOSSimulatorInterpreter(hasPresenter: options.hasPresenter, ticketTaking: options.ticketTaking)
        machine.responding = options.responding
    }

    deinit { stop() }

    // MARK: What it printed

    /// Documents finished by a cut or a present, oldest first.
    public var documents: [ESCPOSSimulatorDocument] { locked { $0.documents } }
    /// What is printed but not yet cut.
    public var documentInProgress: ESCPOSSimulatorDocument { locked { $0.current } }
    public var presenterEvents: [ESCPOSPresenterEvent] { locked { $0.presenterEvents } }
    public var ticketAtExit: Bool { locked { $0.ticketAtExit } }
    /// Bytes that arrived while the printer could not print (fault state) and were lost.
    public var droppedBytes: Int { locked { $0.droppedBytes } }
    public var statusRequests: Int { locked { $0.statusRequests } }
    public var faults: Set<ESCPOSSimulatorFault> { locked { $0.faults } }
    /// TCP connections accepted so far (0 for a PTY).
    public var connectionCount: Int { locked { _ in connections } }

    /// Writes every document's text (separated by blank lines) to `path`, e.g. for the demo to show.
    public func writeDocuments(to path: String) throws {
        let text = documents.map(\.text).joined(separator: "\n\n") + "\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    // MARK: Scripting

    public func setFault(_ fault: ESCPOSSimulatorFault, _ on: Bool) {
        mutate { machine in
            if on { machine.faults.insert(fault) } else { machine.faults.remove(fault) }
        }
    }

    public func clearFaults() { mutate { $0.faults.removeAll() } }

    /// Paper runs out after `lines` more printed lines (a fault in the middle of a job).
    public func runOutOfPaper(afterLines lines: Int) { mutate { $0.linesUntilPaperEnd = max(1, lines) } }

    public func setResponding(_ on: Bool) { mutate { $0.responding = on } }

    public func setTicketTaking(_ taking: ESCPOSTicketTaking) { mutate { $0.ticketTaking = taking } }

    /// The citizen takes the presented ticket; false when none is presented.
    @discardableResult
    public func takeTicket() -> Bool { mutate { $0.takeTicket() } }

    // MARK: Waiting (for tests and the CLI)

    /// Waits until `predicate` holds on the simulator's state or the deadline passes; returns whether it held.
    public func wait(until deadline: Deadline, for predicate: (ESCPOSPrinterSimulator.Snapshot) -> Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !predicate(Snapshot(machine: machine)) {
            if deadline.hasPassed { return false }
            let remaining = deadline.remaining.components
            let seconds = Double(remaining.seconds) + Double(remaining.attoseconds) / 1e18
            _ = condition.wait(until: Date(timeIntervalSinceNow: max(0.001, seconds)))
        }
        return true
    }

    /// `wait(until:for:)` from async code: the blocking wait runs on its own thread, so it never holds one of the
    /// few cooperative-pool threads the code under test needs.
    public func waitAsync(
        until deadline: Deadline,
        for predicate: @escaping @Sendable (ESCPOSPrinterSimulator.Snapshot) -> Bool
    ) async -> Bool {
        await withCheckedContinuation { continuation in
            let thread = Thread { [self] in continuation.resume(returning: wait(until: deadline, for: predicate)) }
            thread.start()
        }
    }

    /// Waits until at least `count` documents are finished.
    public func waitForDocuments(_ count: Int, deadline: Deadline) -> Bool {
        wait(until: deadline) { $0.documents.count >= count }
    }

    /// A copy of the state, for `wait(until:for:)` predicates.
    public struct Snapshot: Sendable {
        public let documents: [ESCPOSSimulatorDocument]
        public let presenterEvents: [ESCPOSPresenterEvent]
        public let ticketAtExit: Bool
        public let statusRequests: Int
        /// Presenter status requests answered since the ticket in the exit was presented.
        public let presenterPollsWhilePresented: Int

        init(machine: ESCPOSSimulatorInterpreter) {
            presenterPollsWhilePresented = machine.pollsWhilePresented
            documents = machine.documents
            presenterEvents = machine.presenterEvents
            ticketAtExit = machine.ticketAtExit
            statusRequests = machine.statusRequests
        }
    }

    // MARK: Serving

    /// Stops serving: closes the listener or PTY and the current connection; the thread ends.
    public func stop() {
        condition.lock()
        if stopped {
            condition.unlock()
            return
        }
        stopped = true
        let transport = activeTransport
        condition.unlock()
        listener?.close()
        transport?.close()
        terminal?.unplug()
    }

    /// Drops the current TCP connection, as a printer rebooting would.
    public func dropConnection() {
        let transport = locked { _ in activeTransport }
        transport?.close()
    }

    private func start() {
        let thread = Thread { [self] in serve() }
        thread.name = "escpos-simulator \(endpoint)"
        self.thread = thread
        thread.start()
    }

    private var isStopped: Bool { locked { _ in stopped } }

    private func serve() {
        if let terminal {
            setActive(terminal.controller)
            pump(terminal.controller)
            return
        }
        guard let listener else { return }
        while !isStopped {
            do {
                let connection = try listener.accept(deadline: .after(seconds: 3600))
                condition.lock()
                connections += 1
                condition.unlock()
                setActive(connection.transport)
                pump(connection.transport)
                connection.transport.close()
            } catch {
                if case .timedOut = error { continue }
                return
            }
        }
    }

    private func setActive(_ transport: DescriptorTransport) {
        condition.lock()
        activeTransport = transport
        let alreadyStopped = stopped
        condition.unlock()
        if alreadyStopped { transport.close() }
    }

    /// Reads until the peer goes away or the simulator stops, answering as it goes.
    private func pump(_ transport: DescriptorTransport) {
        while true {
            let input: [UInt8]
            do {
                input = try transport.read(upTo: 8192, deadline: .after(seconds: 3600))
            } catch {
                if case .timedOut = error { continue }
                return
            }
            let replies = mutate { $0.consume(input) }
            if !replies.isEmpty {
                do { try transport.write(replies, deadline: .after(seconds: 5)) } catch { return }
            }
        }
    }

    private func locked<T>(_ body: (ESCPOSSimulatorInterpreter) -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body(machine)
    }

    private func mutate<T>(_ body: (inout ESCPOSSimulatorInterpreter) -> T) -> T {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return body(&machine)
    }
}
