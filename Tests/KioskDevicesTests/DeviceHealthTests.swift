import Foundation
import Glibc
import KioskDevices
import Testing

/// The one health model: state + reasons + since + last error, Codable with the keys status, UI and metrics read.
struct DeviceHealthTests {
    @Test func equality_isStateAndReasons_sinceAndLastErrorAnnotateOnly() {
        let earlier = DeviceHealth(.ready, since: Date(timeIntervalSince1970: 1))
        let later = DeviceHealth(.ready, since: Date(timeIntervalSince1970: 2))
        #expect(earlier == later)
        #expect(earlier.hashValue == later.hashValue)
        let failed = DeviceHealth.failure(path: "/dev/ttyUSB0", errno: ENOENT, message: "open: No such file")
        #expect(failed == DeviceHealth(.disconnected, reasons: ["disconnected"]))
        #expect(failed != DeviceHealth(.disconnected, reasons: ["absent"]))
    }

    @Test(arguments: [
        (ENOENT, DeviceHealth.State.disconnected, "disconnected"), (ENODEV, .disconnected, "disconnected"),
        (EACCES, .faulted, "permission-denied"), (EPERM, .faulted, "permission-denied"),
        (EBUSY, .faulted, "device-busy"), (ETIMEDOUT, .disconnected, "not-responding"), (EINVAL, .faulted, "io-error"),
    ])
    func failure_classifiesByTheOneErrnoTable(code: Int32, state: DeviceHealth.State, reason: String) {
        let health = DeviceHealth.failure(path: "/dev/kioskd/idReader", errno: code, message: "m")
        #expect(health.state == state)
        #expect(health.reasons == [reason])
        #expect(health.lastError == DeviceHealth.LastError(path: "/dev/kioskd/idReader", errno: code, message: "m"))
    }

    @Test func codable_roundTripsAndReadsTheOldKeys() throws {
        let since = Date(timeIntervalSince1970: 1_772_328_615)
        let health = DeviceHealth(
            .faulted, reasons: ["permission-denied"], since: since,
            lastError: .init(path: "/dev/ttyS0", errno: EACCES, message: "open: Permission denied"))
        let json = try JSONEncoder().encode(health)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["state"] as? String == "faulted")
        #expect(object["reasons"] as? [String] == ["permission-denied"])
        #expect(object["since"] as? String == "2026-03-01T01:30:15Z")
        let decoded = try JSONDecoder().decode(DeviceHealth.self, from: json)
        #expect(decoded == health)
        #expect(decoded.since == since)
        #expect(decoded.lastError == health.lastError)
        let old = try JSONDecoder().decode(DeviceHealth.self, from: Data(#"{"state":"ready","reasons":[]}"#.utf8))
        #expect(old == DeviceHealth(.ready))
        #expect(old.since == nil)
        #expect(old.lastError == nil)
    }
}
