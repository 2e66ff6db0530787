import Glibc
import KioskIO
import Testing

/// The advisory lock every serial port open takes (docs/ARCHITECTURE.md §4.7), on a real pseudo-terminal.
@Suite struct DeviceNodeLockTests {
    @Test func anOpenPortIsHeldAndASecondOpenIsRefusedEvenForRoot() throws {
        let pty = try PseudoTerminal()
        defer { pty.unplug() }
        #expect(DeviceNodeLock.probe(pty.replicaPath) == .free)
        let port = try SerialPort.open(pty.replicaPath)
        #expect(DeviceNodeLock.probe(pty.replicaPath) == .held)
        // Root passes TIOCEXCL, so it is the lock that refuses; anyone else meets TIOCEXCL's EBUSY first.
        let expected =
            getuid() == 0
            ? SystemError("flock(\(pty.replicaPath))", errno: EWOULDBLOCK)
            : SystemError("open(\(pty.replicaPath))", errno: EBUSY)
        #expect(throws: expected) { try SerialPort.open(pty.replicaPath) }
        port.close()
        #expect(DeviceNodeLock.probe(pty.replicaPath) == .free, "closing the port releases the lock")
        let again = try SerialPort.open(pty.replicaPath)
        again.close()
    }

    @Test func aMissingNodeIsUnavailableNotHeld() {
        #expect(DeviceNodeLock.probe("/dev/no-such-kiosk-device") == .unavailable)
    }
}
