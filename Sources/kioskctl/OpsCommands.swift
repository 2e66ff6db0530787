/// Routes `monitor`, `debug-bundle` and `capture` (with kioskctl's global `--socket PATH` / `--json` before or after the verb)
/// to their files, which parse their own options.
enum OpsCommands {
    /// The exit status when `arguments` name one of these verbs; nil otherwise.
    static func route(_ arguments: [String]) -> Int32? {
        var index = 0
        while index < arguments.count, arguments[index].hasPrefix("--") {
            index += arguments[index] == "--socket" ? 2 : 1
        }
        guard index < arguments.count else { return nil }
        var rest = arguments
        let verb = rest.remove(at: index)
        switch verb {
        case "monitor": return MonitorCommand.run(rest)
        case "debug-bundle": return DebugBundleCommand.run(rest)
        case "capture": return CaptureCommand.run(rest)
        default: return nil
        }
    }
}
