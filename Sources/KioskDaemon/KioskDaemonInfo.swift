import KioskCore

/// Version facts the control sockets announce.
enum KioskDaemonInfo {
    static let version = KioskVersion.current
    static let controlProtocol = KioskVersion.controlProtocol
}
