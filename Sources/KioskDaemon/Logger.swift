import Foundation
import KioskIO

/// Syslog priorities, which journald reads from a `<N>` prefix on each stderr line (SyslogLevelPrefix=yes).
public enum LogLevel: Int, Sendable, CaseIterable, Comparable {
    case error = 3, warning = 4, notice = 5, info = 6, debug = 7

    public var name: String {
        switch self {
        case .error: "error"
        case .warning: "warning"
        case .notice: "notice"
        case .info: "info"
        case .debug: "debug"
        }
    }

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}

/// Writes log lines to stderr as `<N>component: message`. Messages are built by callers from non-personal values
/// (masked `PersonalText` descriptions, reason codes, ids); the level can be changed at run time from admin.sock.
///
/// Logging never stops the daemon: a line that cannot be written (stderr a closed pipe, a full disk, a reader that
/// stopped reading) is dropped and counted in `droppedLines`, which `status` shows; once writing works again, one
/// line says how many were lost.
public final class Logger: @unchecked Sendable {
    private let lock = NSLock()
    private var threshold: LogLevel
    private let write: @Sendable (String) -> Bool
    private var dropped = 0
    /// Dropped since the last line that was written, not yet told in the log.
    private var untold = 0
    /// The last lines logged (written or not), for `kioskctl debug-bundle` without journal access.
    private var recent = RecentLogLines()

    /// `write` writes one whole line and says whether it could.
    public init(level: LogLevel = .info, write: @escaping @Sendable (String) -> Bool = Logger.standardError) {
        threshold = level
        self.write = write
    }

    private static let standardErrorWriter = DescriptorLineWriter(fd: STDERR_FILENO)

    /// write(2) on descriptor 2, bounded and never trapping (see `DescriptorLineWriter`).
    public static let standardError: @Sendable (String) -> Bool = { line in
        standardErrorWriter.write(Array(line.utf8))
    }

    /// Lines given up since start because stderr could not take them.
    public var droppedLines: Int { lock.withLock { dropped } }

    public var level: LogLevel {
        get { lock.withLock { threshold } }
        set { lock.withLock { threshold = newValue } }
    }

    public func log(_ level: LogLevel, _ component: String, _ message: @autoclosure () -> String) {
        guard level <= self.level else { return }
        // One write per line, newlines inside a message flattened, so lines never interleave or forge a prefix.
        let text = message().replacingOccurrences(of: "\n", with: " ")
        lock.withLock {
            recent.append(RecentLogLines.Line(at: Date(), level: level, component: component, text: text))
            if untold > 0, write("<\(LogLevel.warning.rawValue)>log: \(untold) lines dropped (stderr not writable)\n") {
                untold = 0
            }
            if !write("<\(level.rawValue)>\(component): \(text)\n") {
                dropped += 1
                untold += 1
            }
        }
    }

    /// The last lines logged, oldest first, exactly as masked by their callers (docs/ARCHITECTURE.md §17).
    public var recentLines: [RecentLogLines.Line] { lock.withLock { recent.lines } }

    public func error(_ component: String, _ message: @autoclosure () -> String) { log(.error, component, message()) }
    public func warning(_ component: String, _ message: @autoclosure () -> String) {
        log(.warning, component, message())
    }
    public func notice(_ component: String, _ message: @autoclosure () -> String) { log(.notice, component, message()) }
    public func info(_ component: String, _ message: @autoclosure () -> String) { log(.info, component, message()) }
    public func debug(_ component: String, _ message: @autoclosure () -> String) { log(.debug, component, message()) }
}
