/// The version of kioskd, reported by `kioskctl version`, the control socket's `hello` and logs.
public enum KioskVersion {
    public static let current = "0.1.0"
    /// The control-socket protocol version, bumped on incompatible changes.
    public static let controlProtocol = 2
}
