import Foundation

/// CPU time of threads, from `/proc/<pid>/task/<tid>/schedstat` (nanoseconds on a CPU). Idle figures are fractions
/// of a percent, which the 10 ms ticks of `/proc/<pid>/stat` cannot resolve over a few seconds; schedstat can.
enum ThreadCPU {
    /// Total CPU time of the threads of `pid` whose name (`comm`) is `name`, or of all its threads when `name` is
    /// nil; nil when `/proc` does not say.
    static func nanoseconds(pid: Int32 = getpid(), threadsNamed name: String? = nil) -> UInt64? {
        let tasks = "/proc/\(pid)/task"
        guard let ids = try? FileManager.default.contentsOfDirectory(atPath: tasks) else { return nil }
        var total: UInt64 = 0
        var matched = false
        for id in ids {
            if let name {
                let comm = try? String(contentsOfFile: "\(tasks)/\(id)/comm", encoding: .utf8)
                guard comm?.trimmingCharacters(in: .whitespacesAndNewlines) == name else { continue }
            }
            guard let stat = try? String(contentsOfFile: "\(tasks)/\(id)/schedstat", encoding: .utf8),
                let first = stat.split(separator: " ").first, let onCPU = UInt64(first)
            else { continue }
            total += onCPU
            matched = true
        }
        return matched ? total : nil
    }
}
