import Foundation

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
public final class Logger: @unchecked Sendable {
    private let lock = NSLock()
    private var threshold: LogLevel
    private let write: @Sendable (String) -> Void

    public init(level: LogLevel = .info, write: @escaping @Sendable (String) -> Void = Logger.standardError) {
        threshold = level
        self.write = write
    }

    public static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data(line.utf8))
    }

    public var level: LogLevel {
        get { lock.withLock { threshold } }
        set { lock.withLock { threshold = newValue } }
    }

    public func log(_ level: LogLevel, _ component: String, _ message: @autoclosure () -> String) {
        guard level <= self.level else { return }
        // One write per line, newlines inside a message flattened, so lines never interleave or forge a prefix.
        let text = message().replacingOccurrences(of: "\n", with: " ")
        lock.withLock { write("<\(level.rawValue)>\(component): \(text)\n") }
    }

    public func error(_ component: String, _ message: @autoclosure () -> String) { log(.error, component, message()) }
    public func warning(_ component: String, _ message: @autoclosure () -> String) {
        log(.warning, component, message())
    }
    public func notice(_ component: String, _ message: @autoclosure () -> String) { log(.notice, component, message()) }
    public func info(_ component: String, _ message: @autoclosure () -> String) { log(.info, component, message()) }
    public func debug(_ component: String, _ message: @autoclosure () -> String) { log(.debug, component, message()) }
}
