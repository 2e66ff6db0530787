import Foundation
import Glibc

/// The systemd side of sd_notify, for tests and benches: a datagram socket the daemon is told about through
/// `$NOTIFY_SOCKET`. Callers wait for `READY=1` on it instead of sleeping.
public final class SystemdNotifyListener: @unchecked Sendable {
    public let path: String
    private let fd: Int32
    private var received: [String] = []

    public init(directory: URL) throws {
        path = directory.appendingPathComponent("notify.sock").path
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8)
            for (i, b) in bytes.enumerated() where i < raw.count - 1 { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard rc == 0 else { close(fd); throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Whether a message with the line `field` (e.g. "READY=1") came, waiting at most `timeout` seconds for it.
    public func waitFor(_ field: String, timeout: TimeInterval) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while true {
            if received.contains(where: { $0.split(separator: "\n").contains(Substring(field)) }) { return true }
            let left = end.timeIntervalSinceNow
            guard left > 0 else { return false }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, Int32(left * 1000) + 1) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { received.append(String(decoding: buffer[0..<n], as: UTF8.self)) }
        }
    }

    /// Whether another message with `field` comes within `timeout` seconds, counting only those not received yet.
    public func waitForAnother(_ field: String, timeout: TimeInterval) -> Bool {
        let before = count(of: field)
        let end = Date().addingTimeInterval(timeout)
        while count(of: field) <= before {
            let left = end.timeIntervalSinceNow
            guard left > 0 else { return false }
            receive(waitingAtMost: left)
        }
        return true
    }

    /// Takes in every message that arrives within `seconds` (for a test that then looks at the quiet after it).
    public func drain(for seconds: TimeInterval) {
        let end = Date().addingTimeInterval(seconds)
        while end.timeIntervalSinceNow > 0 { receive(waitingAtMost: end.timeIntervalSinceNow) }
    }

    private func count(of field: String) -> Int {
        received.filter { $0.split(separator: "\n").contains(Substring(field)) }.count
    }

    private func receive(waitingAtMost seconds: TimeInterval) {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(seconds * 1000) + 1) > 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        if n > 0 { received.append(String(decoding: buffer[0..<n], as: UTF8.self)) }
    }

    public var messages: [String] { received }
}
