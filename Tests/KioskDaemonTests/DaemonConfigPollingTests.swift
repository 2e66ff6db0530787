import Foundation
import KioskDevices
import Testing

@testable import KioskDaemon

/// The ID reader's polling keys (docs/ARCHITECTURE.md §4.3): defaults, values read, and refusals.
@Suite struct DaemonConfigPollingTests {
    static func reader(_ keys: [String: Any]) throws(ConfigError) -> DaemonConfig {
        var device: [String: Any] = ["transport": "serial", "path": "/dev/ttyS0"]
        device.merge(keys) { $1 }
        return try DaemonConfigTests.parse(["kioskID": "K-1", "devices": ["idReader": device]])
    }

    @Test func unset_givesTheProfileDefaults() throws {
        let config = try #require(try Self.reader([:]).devices[.idReader])
        #expect(config.relaxedPollInterval == IDReaderProfile.defaultRelaxedPollInterval)
        #expect(config.fastPollingWindow == IDReaderProfile.defaultFastPollingWindow)
        let profile = try #require(DeviceFactory.idReader(config)?.profile)
        #expect(profile.relaxedPollInterval == .milliseconds(250))
        #expect(profile.fastPollingWindow == .seconds(15))
    }

    @Test func set_reachesTheReadersProfile() throws {
        let config = try #require(
            try Self.reader(["relaxedPollIntervalMs": 400, "fastPollingWindowSeconds": 30]).devices[.idReader])
        let profile = try #require(DeviceFactory.idReader(config)?.profile)
        #expect(profile.relaxedPollInterval == .milliseconds(400))
        #expect(profile.fastPollingWindow == .seconds(30))
    }

    @Test func relaxedShorterThanThePollInterval_isThePollInterval() throws {
        let config = try #require(
            try Self.reader(["pollIntervalMs": 500, "relaxedPollIntervalMs": 100]).devices[.idReader])
        #expect(DeviceFactory.idReader(config)?.profile.relaxedPollInterval == .milliseconds(500))
    }

    @Test(arguments: [
        (["relaxedPollIntervalMs": 10], "devices.idReader.relaxedPollIntervalMs", "50...5000"),
        (["fastPollingWindowSeconds": -1], "devices.idReader.fastPollingWindowSeconds", "0.0...3600.0"),
    ])
    func outOfRange_isRefusedWithItsName(keys: [String: Int], key: String, expected: String) {
        #expect {
            _ = try Self.reader(keys)
        } throws: { error in
            "\(error)".contains(key) && "\(error)".contains(expected)
        }
    }

    @Test func onAPrinter_isRefused() {
        for key in ["relaxedPollIntervalMs", "fastPollingWindowSeconds"] {
            #expect {
                _ = try DaemonConfigTests.parse([
                    "kioskID": "K-1", "devices": ["receiptPrinter": ["transport": "tcp", "host": "h", key: 100]],
                ])
            } throws: { error in
                "\(error)".contains("devices.receiptPrinter.\(key)") && "\(error)".contains("only the ID reader polls")
            }
        }
    }
}
