import Foundation
import KioskIO
import KioskProtocols

/// A device that answers like a captured one (`kioskctl simulate id-reader|receipt-printer|dispenser --replay FILE`,
/// docs/device-capture.md §Replay): the GA 467 reader on a pseudo-terminal, an ESC/POS printer on TCP at 127.0.0.1,
/// each answering host requests from a `CaptureReplayScript`. Requests the capture does not hold get no answer and
/// are kept (and passed to `onUnmatched`) for the test or technician to see. Runs on its own thread until `stop()`.
public final class CaptureReplaySimulator: @unchecked Sendable {
    public enum Endpoint: Sendable, Hashable, CustomStringConvertible {
        case pty(path: String)
        case tcp(host: String, port: UInt16)

        public var description: String {
            switch self {
            case .pty(let path): path
            case .tcp(let host, let port): "\(host):\(port)"
            }
        }
    }

    public let endpoint: Endpoint
    private let condition = NSCondition()
    private var script: CaptureReplayScript
    private var unmatched: [[UInt8]] = []
    private var answered = 0
    private var stopped = false
    private var running = true
    private var active: DescriptorTransport?
    private let terminal: PseudoTerminal?
    private let listener: SocketListener?
    private let onUnmatched: @Sendable ([UInt8]) -> Void

    /// Replays a GA 467 reader capture on a new pseudo-terminal; drivers open `endpoint`'s path as the serial port.
    public static func idReader(
        _ capture: DeviceCapture, onUnmatched: @escaping @Sendable ([UInt8]) -> Void = { _ in }
    ) throws(SystemError) -> CaptureReplaySimulator {
        let terminal = try PseudoTerminal()
        return CaptureReplaySimulator(
            endpoint: .pty(path: terminal.replicaPath), script: CaptureReplayScript(capture, framing: .ga467),
            terminal: terminal, listener: nil, onUnmatched: onUnmatched)
    }

    /// Replays an ESC/POS printer capture on 127.0.0.1:`port` (0 = ephemeral; the bound port is in `endpoint`).
    public static func escposPrinter(
        _ capture: DeviceCapture, port: UInt16 = 0, onUnmatched: @escaping @Sendable ([UInt8]) -> Void = { _ in }
    ) throws(SystemError) -> CaptureReplaySimulator {
        let listener = try SocketListener.tcp(host: "127.0.0.1", port: port)
        return CaptureReplaySimulator(
            endpoint: .tcp(host: "127.0.0.1", port: listener.port ?? port),
            script: CaptureReplayScript(capture, framing: .stream), terminal: nil, listener: listener,
            onUnmatched: onUnmatched)
    }

    private init(
        endpoint: Endpoint, script: CaptureReplayScript, terminal: PseudoTerminal?, listener: SocketListener?,
        onUnmatched: @escaping @Sendable ([UInt8]) -> Void
    ) {
        self.endpoint = endpoint
        self.script = script
        self.terminal = terminal
        self.listener = listener
        self.onUnmatched = onUnmatched
        let thread = Thread { [self] in serve() }
        thread.name = "capture-replay \(endpoint)"
        thread.start()
    }

    deinit { stop() }

    /// Exchanges in the capture.
    public var exchangeCount: Int { locked { script.exchanges.count } }
    /// Exchanges answered so far.
    public var answeredCount: Int { locked { answered } }
    /// Requests that got no answer, oldest first.
    public var unmatchedRequests: [[UInt8]] { locked { unmatched } }

    /// Waits until `count` exchanges have been answered; false when the deadline passed first.
    public func waitForAnswers(_ count: Int, deadline: Deadline) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while answered < count {
            let seconds =
                Double(deadline.remaining.components.seconds)
                + Double(deadline.remaining.components.attoseconds) / 1e18
            if stopped || seconds <= 0 || !condition.wait(until: Date(timeIntervalSinceNow: seconds)) {
                return answered >= count
            }
        }
        return true
    }

    /// Stops answering and closes the endpoint; waits (at most 2 s) for the serving thread to end.
    public func stop() {
        let transport = locked { () -> DescriptorTransport? in
            stopped = true
            condition.broadcast()
            return active
        }
        listener?.close()
        transport?.close()
        terminal?.unplug()
        condition.lock()
        let until = Date(timeIntervalSinceNow: 2)
        while running && condition.wait(until: until) {}
        condition.unlock()
    }

    private func serve() {
        defer {
            locked {
                running = false
                condition.broadcast()
            }
        }
        if let terminal {
            pump(terminal.controller)
            return
        }
        guard let listener else { return }
        while !locked({ stopped }) {
            do {
                let connection = try listener.accept(deadline: .after(.seconds(3600)))
                let already = locked { () -> Bool in
                    active = connection.transport
                    return stopped
                }
                if already { connection.transport.close() }
                pump(connection.transport)
                connection.transport.close()
            } catch {
                if case .timedOut = error { continue }
                return
            }
        }
    }

    private func pump(_ transport: DescriptorTransport) {
        while !locked({ stopped }) {
            let input: [UInt8]
            do {
                input = try transport.read(upTo: 8192, deadline: .after(.milliseconds(500)))
            } catch .timedOut {
                continue
            } catch {
                return
            }
            let outcome = locked { script.receive(input) }
            for request in outcome.unmatched { onUnmatched(request) }
            for reply in outcome.replies {
                do { try transport.write(reply, deadline: .after(.seconds(5))) } catch { return }
            }
            locked {
                unmatched += outcome.unmatched
                answered += outcome.replies.count
                condition.broadcast()
            }
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }
}
