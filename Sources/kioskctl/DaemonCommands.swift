/// Commands that talk to a running kioskd over its control socket (issue 6).
enum DaemonCommands {
    static func run(_ arguments: [String]) -> Int32 {
        KioskCtl.usageError("unknown command '\(arguments.first ?? "")'")
    }
}
