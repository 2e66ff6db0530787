import CKioskSupport
import CLibUSB
import CSQLite
import CUdev
import Foundation

/// The versions of the OS libraries this build is linked against, read from the libraries themselves at run time.
public enum LibraryVersions {
    /// libusb_get_version(3).
    public static var libusb: String {
        guard let v = libusb_get_version()?.pointee else { return "unknown" }
        return "\(v.major).\(v.minor).\(v.micro)"
    }

    /// sqlite3_libversion(3).
    public static var sqlite: String { String(cString: sqlite3_libversion()) }

    /// libudev has no version call; its shared object's file name carries it (libudev.so.1.7.5). udev_new(3) proves
    /// the library loads and works.
    public static var libudev: String {
        guard let udev = udev_new() else { return "unavailable" }
        udev_unref(udev)
        return sharedObjectVersion(
            of: unsafeBitCast(udev_new as @convention(c) () -> OpaquePointer?, to: UnsafeRawPointer.self),
            stem: "libudev.so.")
    }

    /// The `x.y.z` suffix of the shared object holding `symbol`, or "unknown".
    public static func sharedObjectVersion(of symbol: UnsafeRawPointer, stem: String) -> String {
        var path = [CChar](repeating: 0, count: 4096)
        guard kiosk_library_path(symbol, &path, path.count) == 0 else { return "unknown" }
        let file = String(decoding: path.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let range = file.range(of: stem, options: .backwards) else { return file }
        return String(file[range.upperBound...])
    }
}
