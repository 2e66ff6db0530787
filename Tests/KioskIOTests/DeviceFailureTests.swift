import Glibc
import KioskIO
import Testing

/// The one errno table of every transport and driver health (docs/ARCHITECTURE.md §4.1).
struct DeviceFailureTests {
    @Test(arguments: [
        (ENOENT, DeviceFailure.gone), (ENODEV, .gone), (ENXIO, .gone), (EIO, .gone), (EPIPE, .gone),
        (ECONNRESET, .gone), (ECONNREFUSED, .gone), (EACCES, .permission), (EPERM, .permission), (EBUSY, .busy),
        (EWOULDBLOCK, .busy), (ETIMEDOUT, .stalled), (EINVAL, .other), (ENOMEM, .other),
    ])
    func classify_mapsEachErrnoToOneFailure(code: Int32, expected: DeviceFailure) {
        #expect(DeviceFailure.classify(errno: code) == expected)
    }

    @Test func reasons_areStableKebabCaseCodes() {
        #expect(
            DeviceFailure.allCases.map(\.reason) == [
                "disconnected", "permission-denied", "device-busy", "not-responding", "io-error",
            ])
        #expect(DeviceFailure.gone.advice(for: "/dev/ttyUSB0").hasPrefix("no such device /dev/ttyUSB0"))
    }

    @Test func transportError_fromAnOpenThatFoundNoDevice_isDisconnectedNamingThePath() {
        let missing = TransportError(
            SystemError("open(/dev/kioskd/idReader)", errno: ENOENT), path: "/dev/kioskd/idReader")
        guard case .disconnected(let what) = missing else {
            Issue.record("expected disconnected, got \(missing)")
            return
        }
        #expect(what.hasPrefix("/dev/kioskd/idReader: "))
        let refused = TransportError(SystemError("open(/dev/ttyS0)", errno: EACCES), path: "/dev/ttyS0")
        #expect(refused == .system(SystemError("open(/dev/ttyS0)", errno: EACCES)))
    }
}
