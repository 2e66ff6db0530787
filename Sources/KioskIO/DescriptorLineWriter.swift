import Foundation
import Glibc

/// Writes lines to a descriptor that must never stop or wedge the process: kioskd's stderr, behind which may be
/// journald, a pipe whose reader went away, or a file on a full disk. Wraps write(2) and poll(2).
///
/// `EINTR` is retried and partial writes are finished. Before each write it waits for `POLLOUT`, at most `patience`
/// for the whole line, so a full pipe or a non-blocking descriptor that stays at `EAGAIN` costs a bounded wait, after
/// which the line is given up; once one line has been given up for want of room, the next ones do not wait at all
/// until a write goes through again. Any other failure (`EPIPE`, `ENOSPC`, `EIO`, `EBADF`) gives the line up at once.
/// It never traps; the process must ignore SIGPIPE (kioskd does) or a closed pipe kills it before `EPIPE` comes back.
/// Writes go out in pieces of at most `PIPE_BUF` bytes, each of which a pipe with room takes whole, so a blocking
/// pipe that said `POLLOUT` does not block on it.
public final class DescriptorLineWriter: @unchecked Sendable {
    public let fd: Int32
    /// The longest a line waits for room before it is given up.
    public let patience: Duration
    private let lock = NSLock()
    /// A line was given up for want of room: do not wait for the next one.
    private var congested = false
    /// A line was given up half-written: start the next one on a line of its own.
    private var cutShort = false

    public init(fd: Int32 = STDERR_FILENO, patience: Duration = .milliseconds(100)) {
        self.fd = fd
        self.patience = patience
    }

    /// Writes all of `bytes`; false if they could not all be written (the rest is dropped).
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        lock.withLock {
            let line = cutShort ? [UInt8(ascii: "\n")] + bytes : bytes
            let deadline = Deadline.after(congested ? .zero : patience)
            let outcome = writeAll(line, deadline: deadline)
            switch outcome {
            case .written:
                congested = false
                cutShort = false
                return true
            case .noRoom(let sent):
                congested = true
                if sent > 0 { cutShort = true }
                return false
            case .failed(let sent):
                if sent > 0 { cutShort = true }
                return false
            }
        }
    }

    private enum Outcome {
        case written
        case noRoom(sent: Int)
        case failed(sent: Int)
    }

    private func writeAll(_ bytes: [UInt8], deadline: Deadline) -> Outcome {
        var sent = 0
        while sent < bytes.count {
            var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&entry, 1, deadline.pollTimeoutMilliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                return .failed(sent: sent)
            }
            if ready == 0 { return .noRoom(sent: sent) }
            if entry.revents & Int16(POLLNVAL) != 0 { return .failed(sent: sent) }
            // POLLERR / POLLHUP: the write below says what is wrong (EPIPE for a pipe without a reader).
            let count = min(bytes.count - sent, Int(PIPE_BUF))
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + sent, count) }
            if n > 0 {
                sent += n
                continue
            }
            let code = errno
            if n < 0 && code == EINTR { continue }
            if n < 0 && (code == EAGAIN || code == EWOULDBLOCK) {
                if deadline.hasPassed { return .noRoom(sent: sent) }
                continue
            }
            return .failed(sent: sent)
        }
        return .written
    }
}
