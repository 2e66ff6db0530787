import Foundation
import KioskStore
import Testing

@testable import KioskDaemon

/// Production approves through the central registration service; the embedded authority only when asked for (issue
/// 10, item 5).
@Suite struct AuthoritySelectionTests {
    static func config(_ object: [String: Any]) throws -> DaemonConfig {
        try DaemonConfigTests.parse(["kioskID": "K-1"].merging(object) { $1 })
    }

    static func lane(_ dir: TemporaryDirectory) throws -> StoreLane {
        StoreLane(try TransactionStore.open(path: dir.url.appendingPathComponent("kioskd.db").path))
    }

    static func registration(tokenFile: String) -> [String: Any] {
        ["central": ["registration": ["url": "https://127.0.0.1:9/v1/registrations", "tokenFile": tokenFile]]]
    }

    @Test func production_withoutAMode_orACentre_refusesToStart_namingTheKey() throws {
        let dir = try TemporaryDirectory("authority-none")
        defer { dir.remove() }
        let error = #expect(throws: ConfigError.self) {
            _ = try Daemon.registrationAuthority(
                config: try Self.config([:]), configFile: "/etc/kioskd/kioskd.json", simulate: false,
                store: try Self.lane(dir), logger: Logger(level: .error))
        }
        #expect(error?.keyPath == "authority.mode")
    }

    /// The refusal names the file kioskd was started with, not the default path it never read.
    @Test func production_withoutAMode_namesTheConfigFileGivenWithConfig() throws {
        let dir = try TemporaryDirectory("authority-config-path")
        defer { dir.remove() }
        let file = dir.url.appendingPathComponent("site-kioskd.json")
        let config: [String: Any] = [
            "kioskID": "K-1", "stateDirectory": dir.url.appendingPathComponent("state").path,
            "runtimeDirectory": dir.url.appendingPathComponent("run").path,
        ]
        try JSONSerialization.data(withJSONObject: config).write(to: file)
        let result = try ProcessRunner.run("kioskd", ["--config", file.path], timeout: 30)
        let output = result.stdout + result.stderr
        #expect(result.status != 0)
        #expect(output.contains(file.path) && output.contains("authority.mode"), "\(output)")
        #expect(!output.contains(DaemonOptions.defaultConfigPath), "\(output)")
    }

    @Test func production_withACentre_approvesCentrally_andSimulationEmbedded() throws {
        let dir = try TemporaryDirectory("authority-central")
        defer { dir.remove() }
        let token = dir.url.appendingPathComponent("token")
        try Data("secret-token\n".utf8).write(to: token)
        chmod(token.path, 0o600)
        let config = try Self.config(Self.registration(tokenFile: token.path))
        let lane = try Self.lane(dir)
        let (production, embedded) = try Daemon.registrationAuthority(
            config: config, configFile: "/etc/kioskd/kioskd.json", simulate: false, store: lane,
            logger: Logger(level: .error))
        #expect(production is CentralAuthority)
        #expect(embedded == nil)
        let (simulated, simulatedEmbedded) = try Daemon.registrationAuthority(
            config: try Self.config([:]), configFile: "/etc/kioskd/kioskd.json", simulate: true, store: lane,
            logger: Logger(level: .error))
        #expect(simulated is EmbeddedAuthority && simulatedEmbedded != nil)
    }

    @Test func production_explicitlyEmbedded_runsIt_andWarns() throws {
        let dir = try TemporaryDirectory("authority-embedded")
        defer { dir.remove() }
        let lines = LineCollector()
        let (authority, _) = try Daemon.registrationAuthority(
            config: try Self.config(["authority": ["mode": "embedded"]]), configFile: "/etc/kioskd/kioskd.json",
            simulate: false,
            store: try Self.lane(dir), logger: Logger(level: .info, write: { lines.add($0) }))
        #expect(authority is EmbeddedAuthority)
        #expect(lines.all.contains { $0.hasPrefix("<4>authority:") && $0.contains("embedded authority") })
    }

    @Test func centralMode_withoutARegistrationService_isAConfigError() {
        let error = #expect(throws: ConfigError.self) { try Self.config(["authority": ["mode": "central"]]) }
        #expect(error?.keyPath == "authority.mode")
        #expect(error?.problem.contains("central.registration") == true)
    }

    @Test func shippedExample_approvesCentrally() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("systemd/kioskd.json.example")
        let config = try DaemonConfig.load(path: example.path)
        #expect(config.authority.mode == .central)
        #expect(config.central.registration != nil)
    }
}

/// Collects log lines for a test.
final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) -> Bool {
        lock.withLock { lines.append(line) }
        return true
    }
    var all: [String] { lock.withLock { lines } }
}
