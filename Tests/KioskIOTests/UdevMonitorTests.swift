import Foundation
import Glibc
import KioskIO
import Testing

/// The libudev monitor with real uevents (docs/ARCHITECTURE.md §4.7). Writing `change` to a device's `uevent` file is
/// what `udevadm trigger --action=change` does; the kernel then announces the device. With udevd running the `udev`
/// source is tested through udevadm itself; without it only the `kernel` source can be, and the test says so loudly.
@Suite(.serialized) struct UdevMonitorTests {
    static let null = "/sys/devices/virtual/mem/null"

    /// Whether this machine lets us trigger a uevent (sysfs writable, as root) — containers often refuse.
    static let canTrigger: Bool = {
        let writable = access(null + "/uevent", W_OK) == 0
        if !writable { loud("cannot write \(null)/uevent (read-only sysfs or not root): real uevent tests skipped") }
        return writable
    }()

    static let udevadm = ["/usr/bin/udevadm", "/bin/udevadm", "/sbin/udevadm"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    static let udevdRuns: Bool = {
        let runs = UdevMonitor.udevdIsRunning && udevadm != nil
        if !runs {
            loud("no udevd here (/run/udev/control missing or no udevadm): the udev-source monitor test is SKIPPED")
        }
        return runs
    }()

    static func loud(_ message: String) {
        FileHandle.standardError.write(Data("\n*** UdevMonitorTests: \(message) ***\n\n".utf8))
    }

    static func trigger(_ syspath: String) throws {
        try "change".write(toFile: syspath + "/uevent", atomically: false, encoding: .utf8)
    }

    /// Waits for the first event about `syspath`, skipping any other the kernel sends meanwhile.
    static func event(about syspath: String, from monitor: UdevMonitor, within: Duration) throws -> UdevEvent? {
        let deadline = Deadline.after(within)
        while let event = try monitor.next(until: deadline) {
            if event.device.syspath == syspath { return event }
        }
        return nil
    }

    @Test(.enabled(if: canTrigger)) func aTriggeredChangeArrivesFilteredToTheSubsystem() throws {
        let monitor = try UdevMonitor(source: .kernel, filters: [.init(subsystem: "mem")], tag: nil)
        defer { monitor.close() }
        // A tty event first: filtered out by subsystem, it must not be what `next` returns.
        try? Self.trigger("/sys/devices/virtual/tty/tty")
        try Self.trigger(Self.null)
        let event = try #require(try monitor.next(until: .after(.seconds(5))), "no uevent within 5 s")
        #expect(event.action == .change)
        #expect(event.device.subsystem == "mem")
        #expect(event.device.syspath == Self.null)
        #expect(event.device.devnode == "/dev/null")
    }

    @Test func enumerationListsTheSubsystemsDevicesWithTheirNodes() throws {
        let monitor = try UdevMonitor(source: .kernel, filters: [.init(subsystem: "mem")], tag: nil)
        defer { monitor.close() }
        let devices = try monitor.enumerate()
        #expect(devices.allSatisfy { $0.subsystem == "mem" })
        #expect(devices.contains { $0.syspath == Self.null && $0.devnode == "/dev/null" })
    }

    @Test func aQuietMonitorReturnsAtTheDeadlineAndCloseWakesAWaitAtOnce() throws {
        // A subsystem nothing on a test machine announces.
        let monitor = try UdevMonitor(source: .kernel, filters: [.init(subsystem: "kioskd-none")], tag: nil)
        let started = ContinuousClock.now
        #expect(try monitor.next(until: .after(.milliseconds(200))) == nil)
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(190) && waited < .seconds(2), "\(waited)")

        let closing = Thread {
            Thread.sleep(forTimeInterval: 0.1)
            monitor.close()
        }
        let blocked = ContinuousClock.now
        closing.start()
        #expect(throws: SystemError("udev monitor closed", errno: ECANCELED)) {
            try monitor.next(until: .after(.seconds(10)))
        }
        #expect(ContinuousClock.now - blocked < .milliseconds(100 + 100), "close woke the wait within 100 ms")
        #expect(throws: SystemError("udev monitor closed", errno: ECANCELED)) { try monitor.next(until: .now) }
    }

    @Test(.enabled(if: udevdRuns)) func udevadmTriggerReachesTheUdevSourceWithProperties() throws {
        let monitor = try UdevMonitor(source: .udev, filters: [.init(subsystem: "mem")], tag: nil)
        defer { monitor.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.udevadm))
        process.arguments = ["trigger", "--action=change", Self.null]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let event = try #require(try Self.event(about: Self.null, from: monitor, within: .seconds(10)))
        #expect(event.action == .change)
        #expect(event.device.devnode == "/dev/null")
        #expect(event.device.properties["SUBSYSTEM"] == "mem")
    }
}
