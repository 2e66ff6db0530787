import KioskCore

/// `kioskd --version`: the version and the control protocol it speaks, as a technician quotes them.
public enum DaemonVersion {
    public static var line: String {
        "kioskd \(KioskVersion.current) (control protocol \(KioskVersion.controlProtocol))"
    }
}
