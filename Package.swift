// swift-tools-version:6.0
// kioskd — the daemon of a self-service business-licence terminal.
// Layering (docs/ARCHITECTURE.md §2): KioskCore, KioskProtocols and KioskDocuments are pure and never import a C
// module; only KioskIO, KioskDevices, KioskStore and KioskHTTP touch the OS.
import PackageDescription

let package = Package(
    name: "kioskd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kioskd", targets: ["kioskd"]),
        .executable(name: "kioskctl", targets: ["kioskctl"]),
    ],
    targets: [
        // System libraries from the OS (Debian packages named in `providers`).
        .systemLibrary(name: "CLibUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),
        .systemLibrary(name: "CCups", providers: [.apt(["libcups2-dev"])]),
        .systemLibrary(name: "CUdev", pkgConfig: "libudev", providers: [.apt(["libudev-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // GnuTLS (what libcups uses on Debian), only to check a peer's chain against the system trust store.
        .systemLibrary(name: "CGnuTLS", pkgConfig: "gnutls", providers: [.apt(["libgnutls28-dev"])]),
        // Our own C shims for calls Swift's Glibc module cannot make (variadic ioctl, openpty, dladdr).
        .target(name: "CKioskSupport", linkerSettings: [.linkedLibrary("util"), .linkedLibrary("dl")]),

        // Pure layers.
        // Optimised even in debug builds: the flow's random-sequence test runs hundreds of thousands of transitions.
        .target(name: "KioskCore", swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(name: "KioskProtocols", dependencies: ["KioskCore"]),
        .target(name: "KioskDocuments", dependencies: ["KioskCore", "KioskProtocols"]),
        // The control sockets' typed requests and replies, shared by kioskd and kioskctl (docs/control-protocol.md).
        .target(name: "KioskControl", dependencies: ["KioskCore"]),

        // OS seam and everything above it.
        .target(name: "KioskIO", dependencies: ["CKioskSupport", "CLibUSB", "CUdev", "CSQLite", "KioskProtocols"]),
        .target(
            name: "KioskDevices", dependencies: ["KioskCore", "KioskProtocols", "KioskDocuments", "KioskIO", "CCups"]),
        .target(name: "KioskStore", dependencies: ["KioskCore", "KioskIO"]),
        // HTTP/1.1 and TLS served through libcups' http_t, with our own limits.
        .target(name: "KioskHTTP", dependencies: ["KioskCore", "KioskIO", "CKioskSupport", "CCups", "CGnuTLS"]),
        .target(
            name: "KioskSimulators",
            dependencies: ["KioskCore", "KioskProtocols", "KioskDocuments", "KioskIO", "KioskHTTP"]),
        .target(
            name: "KioskDaemon",
            dependencies: [
                "KioskCore", "KioskProtocols", "KioskDocuments", "KioskIO", "KioskDevices", "KioskStore",
                "KioskSimulators", "KioskHTTP", "KioskControl",
            ],
            // The touch UI's page, compiled into the binary (docs/ui-api.md): nothing to install or fetch.
            resources: [
                .embedInCode("UI/Assets/index.html"), .embedInCode("UI/Assets/kiosk.css"),
                .embedInCode("UI/Assets/kiosk.js"), .embedInCode("UI/Assets/strings.js"),
            ]),

        // Thin executables.
        .executableTarget(name: "kioskd", dependencies: ["KioskDaemon"]),
        .executableTarget(
            name: "kioskctl",
            dependencies: [
                "KioskCore", "KioskProtocols", "KioskDocuments", "KioskIO", "KioskDevices", "KioskSimulators",
                "KioskDaemon", "CCups", "KioskControl",
            ]),
        .executableTarget(
            name: "kioskbench",
            dependencies: [
                "KioskCore", "KioskProtocols", "KioskDocuments", "KioskIO", "KioskDevices", "KioskStore",
                "KioskSimulators", "KioskDaemon", "KioskHTTP",
            ]),

        // Tests.
        .testTarget(name: "KioskCoreTests", dependencies: ["KioskCore"]),
        .testTarget(name: "KioskControlTests", dependencies: ["KioskCore", "KioskControl"]),
        .testTarget(name: "KioskProtocolsTests", dependencies: ["KioskCore", "KioskProtocols"]),
        .testTarget(name: "KioskDocumentsTests", dependencies: ["KioskCore", "KioskProtocols", "KioskDocuments"]),
        .testTarget(name: "KioskIOTests", dependencies: ["KioskIO"]),
        .testTarget(
            name: "KioskDevicesTests",
            dependencies: [
                "KioskCore", "KioskProtocols", "KioskDocuments", "KioskIO", "KioskDevices", "KioskSimulators",
            ]),
        .testTarget(name: "KioskStoreTests", dependencies: ["KioskCore", "KioskIO", "KioskStore"]),
        .testTarget(name: "KioskHTTPTests", dependencies: ["KioskCore", "KioskIO", "KioskHTTP"]),
        .testTarget(
            name: "KioskDaemonTests",
            dependencies: [
                "KioskCore", "KioskIO", "KioskDevices", "KioskStore", "KioskDaemon", "KioskSimulators", "KioskHTTP",
                "KioskControl",
            ]),
    ],
    swiftLanguageModes: [.v6]
)
