import CCups
import KioskIO

/// Facts about the libcups this build links against.
public enum CUPSLibrary {
    /// The CUPS API version from the headers (libcups has no run-time version call), plus the shared object's
    /// file name as loaded, e.g. "2.4.2 (libcups.so.2)".
    public static var version: String {
        let api = "\(CUPS_VERSION_MAJOR).\(CUPS_VERSION_MINOR).\(CUPS_VERSION_PATCH)"
        let file = LibraryVersions.sharedObjectVersion(
            of: unsafeBitCast(cupsServer as @convention(c) () -> UnsafePointer<CChar>?, to: UnsafeRawPointer.self),
            stem: "libcups.so.")
        return "\(api) (libcups.so.\(file))"
    }
}
