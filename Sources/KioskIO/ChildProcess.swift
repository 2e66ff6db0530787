import Dispatch
import Foundation
import Glibc

/// A child program started with `posix_spawn(3)`: own process group (so a signal reaches its helpers too),
/// stdin from /dev/null, stdout+stderr collected through a close-on-exec pipe, exit observed by a blocking
/// `waitpid(2)` on a thread of its own.
///
/// Why not Foundation's `Process`: it learns of a child's exit through a socket the child inherits, so a
/// daemon-like grandchild (or a process spawned at the same moment) can hide the exit for ever.
public final class ChildProcess: @unchecked Sendable {
    public let executable: String
    public private(set) var pid: pid_t = 0
    private let lock = NSLock()
    private var collected: [UInt8] = []
    private var status: Int32?
    private var outputEnded = false
    private let changed = NSCondition()
    /// The most output kept (the tail).
    public static let outputLimit = 64 * 1024

    /// Starts `executable` with `arguments` and `environment` (the whole environment, `KEY=value`).
    /// `standardError`, when given, becomes the child's stderr instead of the output pipe (tests of a broken stderr:
    /// /dev/full, a pipe they close); the caller keeps it, and should have made it close-on-exec.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String], captureOutput: Bool = true,
        standardError: Int32? = nil
    ) throws(SystemError) {
        self.executable = executable
        var pipeFDs: [Int32] = [-1, -1]
        if captureOutput {
            guard pipe(&pipeFDs) == 0 else { throw SystemError("pipe") }
            for fd in pipeFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if captureOutput {
            posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
            if standardError == nil { posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2) }
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            if standardError == nil { posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) }
        }
        if let standardError { posix_spawn_file_actions_adddup2(&actions, standardError, 2) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGCHLD, SIGTERM, SIGINT, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        if captureOutput { close(pipeFDs[1]) }
        guard result == 0 else {
            if captureOutput { close(pipeFDs[0]) }
            throw SystemError("posix_spawn \(executable)", errno: result)
        }
        pid = child
        if captureOutput {
            let readEnd = pipeFDs[0]
            Thread.detachNewThread { [self] in self.drain(readEnd) }
        } else {
            outputEnded = true
        }
        Thread.detachNewThread { [self] in self.reap() }
    }

    private func drain(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            changed.lock()
            if count <= 0 {
                outputEnded = true
            } else {
                collected += buffer[0..<count]
                if collected.count > ChildProcess.outputLimit {
                    collected.removeFirst(collected.count - ChildProcess.outputLimit / 2)
                }
            }
            changed.broadcast()
            changed.unlock()
            if count <= 0 { break }
        }
        close(fd)
    }

    private func reap() {
        var raw: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &raw, 0) } while result < 0 && errno == EINTR
        changed.lock()
        status = raw
        changed.broadcast()
        changed.unlock()
    }

    /// The output so far, as text.
    public var output: String {
        changed.lock()
        defer { changed.unlock() }
        return String(decoding: collected, as: UTF8.self)
    }

    /// The exit status (or 128 + signal), nil while running.
    public var exitStatus: Int32? {
        changed.lock()
        defer { changed.unlock() }
        guard let status else { return nil }
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    public var isRunning: Bool { exitStatus == nil }

    /// Waits until `condition` (checked under the lock on output and status changes) holds or `deadline` passes.
    private func wait(until deadline: Deadline, _ condition: () -> Bool) -> Bool {
        changed.lock()
        defer { changed.unlock() }
        while !condition() {
            if deadline.hasPassed { return false }
            let seconds = Double(deadline.pollTimeoutMilliseconds) / 1000
            _ = changed.wait(until: Date(timeIntervalSinceNow: min(seconds, 1)))
        }
        return true
    }

    /// Waits for output containing `text`; false if the child exited or `deadline` passed first.
    public func waitForOutput(containing text: String, deadline: Deadline) -> Bool {
        var found = false
        _ = wait(until: deadline) {
            found = String(decoding: collected, as: UTF8.self).contains(text)
            return found || status != nil
        }
        return found || String(decoding: collected, as: UTF8.self).contains(text)
    }

    /// Waits for the child to exit (true) or `deadline` to pass (false); then briefly for the rest of its output
    /// (a grandchild that inherited the pipe may keep it open).
    public func waitForExit(deadline: Deadline) -> Bool {
        guard wait(until: deadline, { status != nil }) else { return false }
        _ = wait(until: min(deadline, .after(seconds: 1))) { outputEnded }
        return true
    }

    /// Sends `signal` to the child's whole process group.
    public func signal(_ signal: Int32) {
        guard isRunning else { return }
        kill(-pid, signal)
    }

    /// SIGTERM to the group, then SIGKILL if it has not exited within `grace`.
    public func stop(grace: Duration = .seconds(3)) {
        guard isRunning else { return }
        signal(SIGTERM)
        if !wait(until: .after(grace), { status != nil }) {
            signal(SIGKILL)
            _ = wait(until: .after(seconds: 3)) { status != nil }
        }
    }
}
