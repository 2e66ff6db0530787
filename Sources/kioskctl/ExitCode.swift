/// kioskctl's exit codes, the same for every verb (README, docs/control-protocol.md): scripts and monitoring branch
/// on them.
enum ExitCode {
    static let ok: Int32 = 0
    /// The operation failed, or the terminal is degraded (a required device not ready).
    static let failed: Int32 = 1
    static let usage: Int32 = 2
    /// kioskd is not running or does not answer.
    static let unreachable: Int32 = 3
    /// The socket is there but this user may not use it.
    static let permissionDenied: Int32 = 4
}
