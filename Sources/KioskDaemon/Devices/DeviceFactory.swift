import Foundation
import KioskCore
import KioskDevices
import KioskIO
import KioskSimulators

/// Builds the driver for each configured role.
enum DeviceFactory {
    /// `routes`: where the hotplug monitor last found the reader, when that is not the configured path
    /// (docs/ARCHITECTURE.md §4.7); every reopen of the reader's loop asks again.
    static func idReader(_ config: DeviceConfig, routes: DeviceRoutes = DeviceRoutes()) -> IDCardReader? {
        let profile: IDReaderProfile
        switch config.endpoint {
        case .serial(let path, let baud):
            profile = IDReaderProfile.serial(path: path, baudRate: baud)
        case .usb(let vid, let pid, let serial):
            var usb = IDReaderProfile.usb0400C35A(serialNumber: serial)
            usb.transport = .usb(
                USBDeviceSelector(vendorID: vid, productID: pid, serialNumber: serial), framing: .automatic)
            profile = usb
        default:
            return nil
        }
        var tuned = profile
        tuned.pollInterval = config.pollInterval
        tuned.relaxedPollInterval = max(config.pollInterval, config.relaxedPollInterval)
        tuned.fastPollingWindow = config.fastPollingWindow
        let open: IDCardReader.Opener = { profile in
            var routed = profile
            if case .serial(_, let baud) = profile.transport, let node = routes.node(of: .idReader) {
                routed.transport = .serial(path: node, baudRate: baud)
            }
            return CaptureTaps.shared.wrap(.idReader, try IDCardReader.openTransport(routed))
        }
        return IDCardReader(profile: tuned, startPaused: true, open: open)
    }

    static func printerConfiguration(_ config: DeviceConfig, role: DeviceRole) -> PrinterConfiguration? {
        let endpoint: PrinterEndpoint
        switch config.endpoint {
        case .tcp(let host, let port): endpoint = .tcp(host: host, port: UInt16(port))
        case .serial(let path, let baud): endpoint = .serial(path: path, baudRate: baud)
        case .usblp(let path): endpoint = .usblp(path: path)
        case .usb(let vid, let pid, let serial):
            endpoint = .usb(USBDeviceSelector(vendorID: vid, productID: pid, serialNumber: serial))
        case .cups, .v4l2: return nil
        }
        let fallback: PrinterProfile = role == .ticketDispenser ? .kpmTicket80 : .generic80
        let profile = config.profile.flatMap(PrinterProfile.named) ?? fallback
        var configuration = PrinterConfiguration(endpoint: endpoint, profile: profile)
        configuration.transportTap = TransportTap { CaptureTaps.shared.wrap(role, $0) }
        return configuration
    }

    /// The camera over the simulated camera (`--simulate`) or a V4L2 source opened on the node the hotplug monitor
    /// last found (each probe and each streaming session asks again).
    static func camera(_ config: DeviceConfig, routes: DeviceRoutes, simulated: SimulatedCamera?) -> Camera? {
        guard case .v4l2(let path, let width, let height) = config.endpoint else { return nil }
        if let simulated {
            let configuration = CameraConfiguration(path: simulated.path, width: width, height: height)
            return Camera(configuration: configuration) { simulated }
        }
        let configuration = CameraConfiguration(path: path, width: width, height: height)
        return Camera(configuration: configuration) {
            V4L2Camera(path: routes.node(of: .camera) ?? path, width: width, height: height)
        }
    }
}
