import CKioskSupport
import Glibc

/// A pseudo-terminal pair: a simulator holds the controller side, a driver opens `replicaPath` as if it were a serial
/// port. Wraps openpty(3) through our C shim (Swift's Glibc module lacks it).
public final class PseudoTerminal: @unchecked Sendable {
    /// The device path a driver opens, e.g. "/dev/pts/7".
    public let replicaPath: String
    /// The simulator's end.
    public let controller: DescriptorTransport
    // Kept open so the controller does not see a hang-up before (or between) driver opens.
    private var replicaKeepAlive: Int32

    public init() throws(SystemError) {
        var controllerFD: Int32 = -1
        var replicaFD: Int32 = -1
        var path = [CChar](repeating: 0, count: 128)
        let rc = kiosk_openpty(&controllerFD, &replicaFD, &path, path.count)
        guard rc == 0 else { throw SystemError("openpty") }
        replicaPath = String(decoding: path.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        replicaKeepAlive = replicaFD
        do {
            controller = try DescriptorTransport(fd: controllerFD, name: "pty controller \(replicaPath)")
        } catch {
            Glibc.close(controllerFD)
            Glibc.close(replicaFD)
            throw error
        }
    }

    /// Simulates unplugging: closes the controller, so the driver's pending and later calls fail with `.disconnected`.
    public func unplug() {
        controller.close()
        releaseReplica()
    }

    /// Lets the controller see a hang-up once the driver closes its end (used to detect that a driver went away).
    public func releaseReplica() {
        if replicaKeepAlive >= 0 {
            Glibc.close(replicaKeepAlive)
            replicaKeepAlive = -1
        }
    }

    deinit {
        releaseReplica()
        controller.close()
    }
}
