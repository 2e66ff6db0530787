import CKioskSupport
import Glibc

/// A printer behind the Linux usblp driver (`/dev/usb/lpN`): bytes through the device node, status through ioctls.
///
/// `read` returns bulk-IN data only when the printer speaks the bidirectional protocol (2); otherwise `DLE EOT`
/// replies never come and `portStatus()` is the only status there is (docs/device-protocols.md §2.8, §5.2).
public final class USBLinePrinter: ByteTransport, @unchecked Sendable {
    /// `LPGETSTATUS` (usblp.c, §2.8).
    static let getStatusRequest: UInt = 0x060B
    /// `LPIOC_GET_DEVICE_ID(1024)` = `_IOC(_IOC_READ, 'P', 1, 1024)` on x86-64 / aarch64 (§2.8).
    static let getDeviceIDRequest: UInt = 0x8400_5001
    static let deviceIDLength = 1024

    public let path: String
    private let data: DescriptorTransport
    // A duplicate of the node's descriptor for ioctls, so they never race the transport's close.
    private var controlFD: Int32
    private let lock = ControlLock()

    /// Opens `path` read-write, holding `DeviceNodeLock`'s advisory lock while open. Wraps open(2), flock(2), dup(2).
    public init(path: String) throws(SystemError) {
        let fd = try retryingInterrupts("open(\(path))") { Glibc.open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC) }
        do { try DeviceNodeLock.acquire(fd, path: path) } catch {
            Glibc.close(fd)
            throw error
        }
        let control = dup(fd)
        guard control >= 0 else {
            let error = SystemError("dup(\(path))")
            Glibc.close(fd)
            throw error
        }
        _ = fcntl(control, F_SETFD, FD_CLOEXEC)
        do {
            data = try DescriptorTransport(fd: fd, name: path)
        } catch {
            Glibc.close(fd)
            Glibc.close(control)
            throw error
        }
        self.path = path
        controlFD = control
    }

    deinit { close() }

    public func write(_ bytes: [UInt8], deadline: Deadline) throws(TransportError) {
        try data.write(bytes, deadline: deadline)
    }
    public func read(upTo maxCount: Int, deadline: Deadline) throws(TransportError) -> [UInt8] {
        try data.read(upTo: maxCount, deadline: deadline)
    }
    public func discardInput() throws(TransportError) { try data.discardInput() }

    /// The port-status byte. Wraps ioctl(LPGETSTATUS).
    public func portStatus() throws(TransportError) -> USBPrinterPortStatus {
        try lock.withLock { () throws(TransportError) -> USBPrinterPortStatus in
            guard controlFD >= 0 else { throw .closed }
            var status: Int32 = 0
            let rc = kiosk_ioctl_ptr(controlFD, USBLinePrinter.getStatusRequest, &status)
            guard rc == 0 else { throw mapIoctlFailure("ioctl(LPGETSTATUS)") }
            return USBPrinterPortStatus(raw: UInt8(truncatingIfNeeded: status))
        }
    }

    /// The IEEE 1284 device ID. Wraps ioctl(LPIOC_GET_DEVICE_ID(1024)).
    public func deviceID() throws(TransportError) -> IEEE1284DeviceID {
        try lock.withLock { () throws(TransportError) -> IEEE1284DeviceID in
            guard controlFD >= 0 else { throw .closed }
            var buffer = [UInt8](repeating: 0, count: USBLinePrinter.deviceIDLength)
            let rc = buffer.withUnsafeMutableBytes {
                kiosk_ioctl_ptr(controlFD, USBLinePrinter.getDeviceIDRequest, $0.baseAddress)
            }
            guard rc >= 0 else { throw mapIoctlFailure("ioctl(LPIOC_GET_DEVICE_ID)") }
            return IEEE1284DeviceID(reply: buffer)
        }
    }

    public func close() {
        lock.withLock {
            if controlFD >= 0 {
                Glibc.close(controlFD)
                controlFD = -1
            }
        }
        data.close()
    }

    private func mapIoctlFailure(_ call: String) -> TransportError {
        let code = errno
        switch DeviceFailure.classify(errno: code) {
        case .gone: return .disconnected("\(path): \(String(cString: strerror(code)))")
        default: return .system(SystemError(call, errno: code))
        }
    }
}

/// A pthread mutex with a typed-throws `withLock` (guards the ioctl descriptor against a concurrent close).
private final class ControlLock: @unchecked Sendable {
    private var mutex = pthread_mutex_t()

    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }

    func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}
