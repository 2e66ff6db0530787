import Foundation
import KioskIO

/// Debian's ippeveprinter will not start without avahi on the system D-Bus (docs/device-protocols.md §6). This
/// reuses a running avahi, or starts D-Bus and avahi once per process and stops them when the last private CUPS
/// of this process is stopped. It never stops what it did not start.
enum PrivateCUPSDNSSD {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var users = 0
    /// Run in the foreground as our children (a forking daemon would inherit Foundation's exit-watch socket and
    /// hide its parent's exit), so stopping them is stopping our own processes.
    nonisolated(unsafe) private static var startedBus: PrivateCUPSProcess?
    nonisolated(unsafe) private static var startedAvahi: PrivateCUPSProcess?

    /// A hold on D-Bus/avahi; `release()` once.
    final class Lease: @unchecked Sendable {
        private var released = false
        private let lock = NSLock()

        func release() {
            lock.lock()
            let first = !released
            released = true
            lock.unlock()
            if first { PrivateCUPSDNSSD.drop() }
        }

        deinit { release() }
    }

    static func acquire(deadline: Deadline) throws(PrivateCUPSError) -> Lease {
        lock.lock()
        defer { lock.unlock() }
        if users == 0, !avahiRuns(deadline: deadline) {
            if !busAnswers(deadline: deadline) { try startBus(deadline: deadline) }
            try startAvahi(deadline: deadline)
        }
        users += 1
        return Lease()
    }

    private static func drop() {
        lock.lock()
        defer { lock.unlock() }
        users -= 1
        guard users == 0 else { return }
        startedAvahi?.stop()
        startedAvahi = nil
        startedBus?.stop()
        startedBus = nil
    }

    private static func avahiRuns(deadline: Deadline) -> Bool {
        (try? PrivateCUPSProcess.run("/usr/sbin/avahi-daemon", ["--check"], deadline: deadline).0) == 0
    }

    /// Asks the bus itself: a stale socket file can outlive the bus.
    private static func busAnswers(deadline: Deadline) -> Bool {
        let arguments = [
            "--system", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
            "org.freedesktop.DBus.GetId",
        ]
        return (try? PrivateCUPSProcess.run("/usr/bin/dbus-send", arguments, deadline: deadline).0) == 0
    }

    private static func startBus(deadline: Deadline) throws(PrivateCUPSError) {
        try? FileManager.default.createDirectory(atPath: "/run/dbus", withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: "/run/dbus/system_bus_socket")
        try? FileManager.default.removeItem(atPath: "/run/dbus/pid")
        // Our own bus configuration: the system bus address, everything allowed, and no service activation (so
        // cupsd cannot start colord behind our back, a process nobody would stop).
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-dbus-\(getpid()).conf")
        do {
            try Data(busConfiguration.utf8).write(to: config)
        } catch {
            throw .startFailed(program: "dbus-daemon", detail: "cannot write \(config.path): \(error)")
        }
        let bus = PrivateCUPSProcess(
            "/usr/bin/dbus-daemon", ["--config-file=\(config.path)", "--nofork", "--nopidfile", "--print-address"],
            name: "dbus-daemon")
        try bus.start()
        startedBus = bus
        // It prints its address once it listens.
        guard bus.waitForOutput(containing: "unix:", deadline: deadline), busAnswers(deadline: deadline) else {
            throw .startFailed(
                program: "dbus-daemon --system",
                detail: "not answering: \(bus.collectedOutput.suffix(1000)); is the dbus package installed?")
        }
    }

    static let busConfiguration = """
        <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
        <busconfig>
          <type>system</type>
          <listen>unix:path=/run/dbus/system_bus_socket</listen>
          <auth>EXTERNAL</auth>
          <policy context="default">
            <allow user="*"/>
            <allow own="*"/>
            <allow send_destination="*"/>
            <allow receive_sender="*"/>
          </policy>
        </busconfig>

        """

    private static func startAvahi(deadline: Deadline) throws(PrivateCUPSError) {
        try? FileManager.default.removeItem(atPath: "/run/avahi-daemon/pid")
        let avahi = PrivateCUPSProcess(
            "/usr/sbin/avahi-daemon", ["--no-drop-root", "--no-rlimits", "--no-chroot"], name: "avahi-daemon")
        try avahi.start()
        startedAvahi = avahi
        guard avahi.waitForOutput(containing: "Server startup complete", deadline: deadline) else {
            throw .startFailed(
                program: "avahi-daemon",
                detail: "\(avahi.collectedOutput.suffix(1000)); is the avahi-daemon package installed?")
        }
    }
}
