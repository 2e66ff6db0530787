import CKioskSupport
import Foundation
import Glibc

/// A `ByteTransport` over any pollable file descriptor: serial ports, PTYs, TCP sockets, usblp nodes.
///
/// Each wait is a `poll(2)` on the descriptor and an eventfd, so `close()` from another thread wakes a blocked call at
/// once. End-of-file, `POLLHUP` and the errnos `DeviceFailure` calls gone mean the device is gone: `.disconnected`.
public final class DescriptorTransport: ByteTransport, @unchecked Sendable {
    /// What this transport talks to, for error messages (e.g. "/dev/ttyUSB0" or "127.0.0.1:9100").
    public let name: String
    private let fd: Int32
    private let wakeFD: Int32
    // Guards `closed`, `activeCalls` and `gone`; `close()` waits on it until no call is inside the descriptor.
    private let state = NSCondition()
    private var closed = false
    private var gone = false
    private var activeCalls = 0

    /// Takes ownership of `fd` (made non-blocking here) and closes it in `close()`.
    public convenience init(fd: Int32, name: String) throws(SystemError) {
        let wake = kiosk_eventfd()
        guard wake >= 0 else { throw SystemError("eventfd") }
        try self.init(fd: fd, wakeFD: wake, name: name)
    }

    /// Takes ownership of `fd` and of `wakeFD`, an eventfd made by the caller (a listener makes it before accept(2),
    /// so that a connection it accepted never fails for want of one more descriptor); `wakeFD` is closed on failure.
    init(fd: Int32, wakeFD wake: Int32, name: String) throws(SystemError) {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else {
            let error = SystemError("fcntl(O_NONBLOCK)")
            Glibc.close(wake)
            throw error
        }
        self.fd = fd
        self.wakeFD = wake
        self.name = name
    }

    deinit { close() }

    /// The descriptor, for ioctls done by a wrapper in KioskIO (termios, LPGETSTATUS). Never escapes the module.
    var descriptor: Int32 { fd }

    public func write(_ bytes: [UInt8], deadline: Deadline) throws(TransportError) {
        try enter()
        defer { leave() }
        var sent = 0
        while sent < bytes.count {
            try waitFor(Int16(POLLOUT), deadline: deadline, transferred: sent)
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + sent, bytes.count - sent) }
            if n > 0 { sent += n; continue }
            let code = errno
            if n < 0 && (code == EAGAIN || code == EINTR) {
                // Ready but nothing moved (a PTY whose other end is held by someone else): the deadline still holds.
                if deadline.hasPassed { throw .timedOut(transferred: sent) }
                continue
            }
            throw mapFailure("write", code: code)
        }
    }

    public func read(upTo maxCount: Int, deadline: Deadline) throws(TransportError) -> [UInt8] {
        precondition(maxCount > 0, "read(upTo:) needs a positive count")
        try enter()
        defer { leave() }
        var buffer = [UInt8](repeating: 0, count: maxCount)
        while true {
            try waitFor(Int16(POLLIN), deadline: deadline, transferred: 0)
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, maxCount) }
            if n > 0 { return Array(buffer[0..<n]) }
            if n == 0 { throw markGone("end of file") }
            let code = errno
            if code == EAGAIN || code == EINTR {
                if deadline.hasPassed { throw .timedOut(transferred: 0) }
                continue
            }
            throw mapFailure("read", code: code)
        }
    }

    public func discardInput() throws(TransportError) {
        try enter()
        defer { leave() }
        if tcflush(fd, TCIFLUSH) == 0 { return }
        // Not a terminal (socket, usblp): drain what is buffered without waiting.
        var scratch = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = scratch.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, 4096) }
            if n > 0 { continue }
            if n == 0 { throw markGone("end of file") }
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK { return }
            if code == EINTR { continue }
            throw mapFailure("read", code: code)
        }
    }

    public func close() {
        state.lock()
        if closed { state.unlock(); return }
        closed = true
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD, &one, 8)
        while activeCalls > 0 { state.wait() }
        state.unlock()
        _ = Glibc.close(fd)
        _ = Glibc.close(wakeFD)
    }

    private func enter() throws(TransportError) {
        state.lock()
        defer { state.unlock() }
        if closed { throw .closed }
        if gone { throw .disconnected(name) }
        activeCalls += 1
    }

    private func leave() {
        state.lock()
        activeCalls -= 1
        if activeCalls == 0 { state.broadcast() }
        state.unlock()
    }

    private func markGone(_ why: String) -> TransportError {
        state.lock()
        gone = true
        state.unlock()
        return .disconnected("\(name): \(why)")
    }

    private func mapFailure(_ call: String, code: Int32) -> TransportError {
        switch DeviceFailure.classify(errno: code) {
        case .gone: markGone(String(cString: strerror(code)))
        default: .system(SystemError(call, errno: code))
        }
    }

    /// Waits until `fd` is ready for `events`, the deadline passes, or `close()` is called.
    private func waitFor(_ events: Int16, deadline: Deadline, transferred: Int) throws(TransportError) {
        while true {
            var fds = [
                pollfd(fd: fd, events: events, revents: 0), pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0),
            ]
            let timeout = deadline.pollTimeoutMilliseconds
            let ready = poll(&fds, 2, timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                throw .system(SystemError("poll"))
            }
            if fds[1].revents != 0 { throw .closed }
            let revents = fds[0].revents
            if revents & events != 0 { return }
            if revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { throw markGone("hang-up") }
            if ready == 0 || deadline.hasPassed { throw .timedOut(transferred: transferred) }
        }
    }
}
