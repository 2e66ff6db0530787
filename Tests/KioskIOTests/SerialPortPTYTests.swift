import Foundation
import Glibc
import KioskIO
import Testing

/// The termios serial port on a real pseudo-terminal: every baud rate the GA 467 readers support, deadlines, and a
/// vanished device failing a pending read at once.
@Suite struct SerialPortPTYTests {
    @Test(arguments: SerialSettings.supportedBaudRates)
    func open_everySupportedBaud_movesBytesBothWays(baud: Int) throws {
        let pty = try PseudoTerminal()
        defer { pty.unplug() }
        let port = try SerialPort.open(pty.replicaPath, settings: SerialSettings(baudRate: baud))
        defer { port.close() }
        let frame: [UInt8] = [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x22]
        try port.write(frame, deadline: .after(.seconds(2)))
        #expect(try readExactly(frame.count, from: pty.controller) == frame)
        try pty.controller.write(frame, deadline: .after(.seconds(2)))
        #expect(try readExactly(frame.count, from: port) == frame)
    }

    @Test func open_unsupportedBaud_throwsEINVAL() throws {
        let pty = try PseudoTerminal()
        defer { pty.unplug() }
        #expect(throws: SystemError("cfsetspeed(4800)", errno: EINVAL)) {
            try SerialPort.open(pty.replicaPath, settings: SerialSettings(baudRate: 4800))
        }
    }

    @Test func open_missingPath_throwsENOENT() {
        #expect(throws: SystemError("open(/dev/no-such-reader)", errno: ENOENT)) {
            try SerialPort.open("/dev/no-such-reader")
        }
    }

    @Test func read_nothingArrives_timesOutAtItsDeadline() throws {
        let pty = try PseudoTerminal()
        defer { pty.unplug() }
        let port = try SerialPort.open(pty.replicaPath)
        defer { port.close() }
        let started = ContinuousClock.now
        #expect(throws: TransportError.timedOut(transferred: 0)) {
            try port.read(upTo: 16, deadline: .after(.milliseconds(50)))
        }
        #expect(ContinuousClock.now - started >= .milliseconds(50))
    }

    @Test func pendingRead_deviceUnplugged_failsAtOnceWithDisconnected() async throws {
        let pty = try PseudoTerminal()
        let port = try SerialPort.open(pty.replicaPath)
        defer { port.close() }
        let started = ContinuousClock.now
        let outcome: TransportError? = await withCheckedContinuation {
            (done: CheckedContinuation<TransportError?, Never>) in
            Thread {
                do {
                    _ = try port.read(upTo: 16, deadline: .after(.seconds(30)))
                    done.resume(returning: nil)
                } catch {
                    done.resume(returning: error as? TransportError)
                }
            }.start()
            pty.unplug()
        }
        guard case .disconnected = outcome else {
            Issue.record("expected .disconnected, got \(String(describing: outcome))")
            return
        }
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(throws: TransportError.self) { try port.write([0x00], deadline: .after(.seconds(1))) }
    }

    private func readExactly(_ count: Int, from transport: DescriptorTransport) throws -> [UInt8] {
        var bytes: [UInt8] = []
        let deadline = Deadline.after(.seconds(2))
        while bytes.count < count { bytes += try transport.read(upTo: count - bytes.count, deadline: deadline) }
        return bytes
    }
}
