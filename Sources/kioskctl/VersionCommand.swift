import KioskCore
import KioskDevices
import KioskIO

/// `kioskctl version`: what this build is and which OS libraries it runs with, for a technician's report.
enum VersionCommand {
    static func run(_ arguments: [String]) -> Int32 {
        guard arguments.isEmpty else { return KioskCtl.usageError("version takes no arguments") }
        Console.line("kioskd \(KioskVersion.current)")
        Console.line("libusb \(LibraryVersions.libusb)")
        Console.line("libcups \(CUPSLibrary.version)")
        Console.line("libudev \(LibraryVersions.libudev)")
        Console.line("sqlite \(LibraryVersions.sqlite)")
        return 0
    }
}
