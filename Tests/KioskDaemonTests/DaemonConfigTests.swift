import Foundation
import Testing

@testable import KioskDaemon

/// The configuration file: every key refused with its dotted name and what was expected; defaults where absent.
@Suite struct DaemonConfigTests {
    static func parse(_ object: [String: Any]) throws(ConfigError) -> DaemonConfig {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return try DaemonConfig.parse(data, file: "kioskd.json")
    }

    static func parseText(_ text: String) throws(ConfigError) -> DaemonConfig {
        try DaemonConfig.parse(Data(text.utf8), file: "kioskd.json")
    }

    @Test func minimalConfig_getsTheDocumentedDefaults() throws {
        let config = try Self.parse(["kioskID": "K-1"])
        #expect(config.kioskID == "K-1")
        #expect(config.stateDirectory == "/var/lib/kioskd")
        #expect(config.runtimeDirectory == "/run/kioskd")
        #expect(config.receipt.qrURLBase == "https://kiosk.example.gov.cn/tx/")
        #expect(config.licence.printDeadline == .seconds(240))
        #expect(config.store.maximumSizeMB == 512)
        #expect(config.store.maximumDatabaseBytes == 512 * 1024 * 1024)
        #expect(config.retention.personalDataDays == 30)
        #expect(config.retention.personalData == .seconds(30 * 86_400))
        #expect(config.backup.keep == 7)
        #expect(config.flow.handOffCategory == "A")
        #expect(config.flow.warningLead == .seconds(20))
        #expect(config.logLevel == .info)
        #expect(config.devices.isEmpty)
    }

    @Test func everyKeySet_isRead() throws {
        let config = try Self.parse([
            "kioskID": "K_2", "stateDirectory": "/srv/k", "runtimeDirectory": "/run/k", "timeZone": "Asia/Urumqi",
            "devices": [
                "idReader": ["transport": "usb", "vendorID": "0400", "productID": "c35a", "pollIntervalMs": 100],
                "receiptPrinter": ["transport": "tcp", "host": "127.0.0.1", "port": 9101, "profile": "generic-58"],
                "ticketDispenser": [
                    "transport": "serial", "path": "/dev/ttyS1", "baud": 9600, "profile": "kpm-ticket-80",
                ],
                "licencePrinter": ["transport": "cups", "queue": "a3", "server": "/run/cups/cups.sock"],
            ],
            "flow": [
                "timeoutsSeconds": ["rating": 45], "warningSeconds": 10, "endScreenSeconds": 5,
                "maximumCardAttempts": 4,
                "maximumApplicationAttempts": 3, "minimumAge": 18, "handOffCategory": "BC",
            ],
            "authority": [
                "mode": "reject", "creditCodePrefix": "92110105", "registrationAuthority": "某局",
                "licenceURLBase": "https://l/",
            ],
            "log": ["level": "debug"],
            "receipt": ["qrURLBase": "https://hall.example/tx/"], "licence": ["printDeadlineSeconds": 300],
            "store": ["maximumSizeMB": 64], "retention": ["personalDataDays": 90], "backup": ["keep": 0],
        ])
        #expect(config.stateDirectory == "/srv/k")
        #expect(config.flow.timeZone.identifier == "Asia/Urumqi")
        #expect(config.devices[.idReader]?.endpoint == .usb(vendorID: 0x0400, productID: 0xC35A, serialNumber: nil))
        #expect(config.devices[.idReader]?.pollInterval == .milliseconds(100))
        #expect(config.devices[.receiptPrinter]?.profile == "generic-58")
        #expect(config.devices[.ticketDispenser]?.endpoint == .serial(path: "/dev/ttyS1", baud: 9600))
        #expect(config.devices[.licencePrinter]?.endpoint == .cups(queue: "a3", server: "/run/cups/cups.sock"))
        #expect(config.flow.timeout(for: .rating) == .seconds(45))
        #expect(config.flow.warningLead == .seconds(10))
        #expect(config.flow.handOffCategory == "BC")
        #expect(config.authority.mode == .reject)
        #expect(config.logLevel == .debug)
        #expect(config.receipt.qrURLBase == "https://hall.example/tx/")
        #expect(config.licence.printDeadline == .seconds(300))
        #expect(config.store.maximumDatabaseBytes == 64 * 1024 * 1024)
        #expect(config.retention.personalDataDays == 90)
        #expect(config.backup.keep == 0)
    }

    /// The example shipped next to the unit must stay valid.
    @Test func shippedExample_parses() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("systemd/kioskd.json.example")
        let config = try DaemonConfig.load(path: example.path)
        #expect(config.devices[.receiptPrinter]?.profile == "generic-80")
        #expect(config.retention.personalDataDays == 30)
    }

    nonisolated(unsafe) static let base: [String: Any] = ["kioskID": "K-1"]

    static func with(_ key: String, _ value: Any) -> [String: Any] { base.merging([key: value]) { $1 } }

    static func device(_ role: String, _ settings: [String: Any]) -> [String: Any] {
        with("devices", [role: settings])
    }

    /// (config, the key the error must name, a fragment of what it must say was expected).
    nonisolated(unsafe) static let refused: [([String: Any], String, String)] = [
        ([:], "kioskID", "missing; expected a string"),
        (with("kioskID", "bad id!"), "kioskID", "letters, digits"),
        (with("colour", "red"), "colour", "unknown key; expected one of"),
        (with("timeZone", "Mars/Base"), "timeZone", "unknown time zone 'Mars/Base'"),
        (with("stateDirectory", 5), "stateDirectory", "expected a string, got a number"),
        (with("runtimeDirectory", ""), "runtimeDirectory", "must not be empty"),
        (with("centralURL", "https://central.example/"), "centralURL", "replaced by central.push.url"),
        (with("devices", ["scanner": [:]]), "devices.scanner", "unknown key"),
        (
            device("receiptPrinter", ["transport": "tcp", "host": "h", "profile": "fancy-80"]),
            "devices.receiptPrinter.profile",
            "unknown printer profile 'fancy-80'; expected one of generic-80, generic-58, usb-unidirectional-80, "
                + "custom-kiosk-80, kpm-ticket-80"
        ),
        (
            device("ticketDispenser", ["transport": "usblp", "path": "/dev/usb/lp1", "profile": "KPM-TICKET-80"]),
            "devices.ticketDispenser.profile", "unknown printer profile 'KPM-TICKET-80'"
        ),
        (
            device("idReader", ["transport": "serial", "path": "/dev/ttyS0", "profile": "fast"]),
            "devices.idReader.profile", "the ID reader has no named profiles"
        ),
        (device("licencePrinter", ["queue": "a3", "profile": "a3"]), "devices.licencePrinter.profile", "CUPS queue"),
        (
            device("idReader", ["transport": "serial", "path": "/dev/ttyS0", "baud": 12345]), "devices.idReader.baud",
            "9600"
        ),
        (
            device("idReader", ["transport": "tcp", "host": "h"]), "devices.idReader.transport",
            "expected one of serial, usb"
        ),
        (device("idReader", ["transport": "serial"]), "devices.idReader.path", "missing"),
        (
            device("idReader", ["transport": "serial", "path": "/dev/ttyS0", "pollIntervalMs": 10]),
            "devices.idReader.pollIntervalMs", "expected a whole number in 50...5000, got 10"
        ),
        (
            device("receiptPrinter", ["transport": "tcp", "host": "h", "path": "/dev/x"]),
            "devices.receiptPrinter.path",
            "does not apply to transport 'tcp'"
        ),
        (
            device("receiptPrinter", ["transport": "tcp", "host": "h", "pollIntervalMs": 100]),
            "devices.receiptPrinter.pollIntervalMs", "only the ID reader polls"
        ),
        (
            device("receiptPrinter", ["transport": "tcp", "host": "h", "port": 70000]), "devices.receiptPrinter.port",
            "1...65535"
        ),
        (
            device("ticketDispenser", ["transport": "usb", "vendorID": "xyz", "productID": "0237"]),
            "devices.ticketDispenser.vendorID", "expected 4 hex digits"
        ),
        (with("flow", ["timeoutsSeconds": ["rating": 0]]), "flow.timeoutsSeconds.rating", "seconds in 1.0...86400.0"),
        (
            with("flow", ["timeoutsSeconds": ["rating": 1e30]]), "flow.timeoutsSeconds.rating",
            "seconds in 1.0...86400.0"
        ),
        (with("flow", ["timeoutsSeconds": ["rating": "30"]]), "flow.timeoutsSeconds.rating", "got a string"),
        (with("flow", ["timeoutsSeconds": ["dancing": 30]]), "flow.timeoutsSeconds.dancing", "unknown key"),
        (with("flow", ["warningSeconds": 40]), "flow.warningSeconds", "timeoutsSeconds.rating is 30"),
        (
            with("flow", ["warningSeconds": 20, "timeoutsSeconds": ["approving": 20]]), "flow.warningSeconds",
            "timeoutsSeconds.approving is 20"
        ),
        (with("flow", ["warningSeconds": 700]), "flow.warningSeconds", "seconds in 0.0...600.0"),
        (with("flow", ["endScreenSeconds": 0]), "flow.endScreenSeconds", "seconds in 0.1...600.0"),
        (with("flow", ["maximumCardAttempts": 1.5]), "flow.maximumCardAttempts", "whole number in 1...20, got 1.5"),
        (
            with("flow", ["maximumApplicationAttempts": 1e300]), "flow.maximumApplicationAttempts",
            "whole number in 1...20"
        ),
        (with("flow", ["minimumAge": true]), "flow.minimumAge", "got a boolean"),
        (with("flow", ["handOffCategory": "1"]), "flow.handOffCategory", "1–2 capital letters A–Z"),
        (with("flow", ["handOffCategory": "a"]), "flow.handOffCategory", "1–2 capital letters A–Z"),
        (with("flow", ["handOffCategory": "ABCDE"]), "flow.handOffCategory", "longer than 4 bytes"),
        (
            with("authority", ["mode": "maybe"]), "authority.mode",
            "expected one of central, embedded, approve, reject, unavailable"
        ),
        (with("authority", ["creditCodePrefix": "123"]), "authority.creditCodePrefix", "8 credit-code characters"),
        (with("authority", ["registrationAuthority": ""]), "authority.registrationAuthority", "must not be empty"),
        (with("authority", ["licenceURLBase": 3]), "authority.licenceURLBase", "expected a string"),
        (with("log", ["level": "chatty"]), "log.level", "expected one of error, warning, notice, info, debug"),
        (with("receipt", ["qrURLBase": "ftp://x/"]), "receipt.qrURLBase", "http:// or https:// URL"),
        (with("receipt", ["qrURLBase": "https://a b/"]), "receipt.qrURLBase", "without spaces"),
        (with("receipt", ["url": "https://a/"]), "receipt.url", "unknown key; expected one of qrURLBase"),
        (with("licence", ["printDeadlineSeconds": 10]), "licence.printDeadlineSeconds", "seconds in 30.0...3600.0"),
        (with("licence", ["printDeadlineSeconds": 1e30]), "licence.printDeadlineSeconds", "seconds in 30.0...3600.0"),
        (with("store", ["maximumSizeMB": 8]), "store.maximumSizeMB", "whole number in 16...1048576, got 8"),
        (with("store", ["maximumSizeMB": "512"]), "store.maximumSizeMB", "got a string"),
        (with("retention", ["personalDataDays": 0]), "retention.personalDataDays", "whole number in 1...3650, got 0"),
        (with("retention", ["personalDataDays": 30.5]), "retention.personalDataDays", "got 30.5"),
        (with("backup", ["keep": -1]), "backup.keep", "whole number in 0...366, got -1"),
        (with("backup", ["keep": 367]), "backup.keep", "whole number in 0...366, got 367"),
        (with("backup", ["directory": "/tmp"]), "backup.directory", "unknown key; expected one of keep"),
    ]

    @Test(arguments: 0..<refused.count)
    func badValue_isRefusedNamingTheKey(index: Int) {
        let (object, key, expected) = Self.refused[index]
        let error = #expect(throws: ConfigError.self) { try Self.parse(object) }
        #expect(error?.keyPath == key)
        #expect(error?.problem.contains(expected) == true, "\(error?.problem ?? "no error")")
        #expect(error?.description.hasPrefix("config kioskd.json: \(key): ") == true)
    }

    @Test func topLevelArray_isRefused() {
        let error = #expect(throws: ConfigError.self) { try Self.parseText("[1, 2]") }
        #expect(error?.problem == "the top level must be a JSON object")
    }

    /// (text, line, column, what was expected there).
    static let syntaxErrors: [(String, Int, Int, String)] = [
        (
            "{\n  \"kioskID\": \"K\",\n  \"flow\": { \"warningSeconds\": 20,, }\n}", 3, 34,
            "expected a key in double quotes"
        ),
        ("{\"kioskID\": \"K", 1, 15, "inside a string"),
        ("{\"kioskID\": tru}", 1, 16, "expected 'true'"),
        ("{\"名称\": 1 2}", 1, 10, "expected ',' or '}'"),
        ("{\"kioskID\": \"K\"} x", 1, 18, "unexpected text after the end"),
        ("{\n\t\"kioskID\" \"K\"\n}", 2, 12, "expected ':' after the key"),
        ("{\"a\": [1, 2 3]}", 1, 13, "expected ',' or ']'"),
        ("{\"a\": 01}", 1, 8, "expected ',' or '}'"),
        ("{\"a\": \"\\q\"}", 1, 9, "unknown escape"),
        ("{\"a\": -}", 1, 8, "expected a digit"),
        ("", 1, 1, "expected a value"),
    ]

    @Test(arguments: 0..<syntaxErrors.count)
    func jsonSyntaxError_namesLineAndColumn(index: Int) {
        let (text, line, column, expected) = Self.syntaxErrors[index]
        let error = #expect(throws: ConfigError.self) { try Self.parseText(text) }
        #expect(error?.keyPath == "")
        #expect(
            error?.problem.hasPrefix("not valid JSON at line \(line), column \(column): ") == true,
            "\(error?.problem ?? "")")
        #expect(error?.problem.contains(expected) == true, "\(error?.problem ?? "")")
    }

    @Test func syntaxLocator_acceptsWhatJSONSerializationAccepts() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("systemd/kioskd.json.example")
        for text in [
            String(decoding: try Data(contentsOf: example), as: UTF8.self), "{}", "[]",
            "{\"a\": [1, -2.5e+3, 0.0, true, false, null, \"\\u00e9\\n\"]}",
        ] {
            #expect(JSONSyntaxLocator.firstProblem(in: Array(text.utf8)) == nil)
            #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil)
        }
    }
}

/// Whole-number fields of control requests (`timeoutMs`, `count`): refused with the field and the range.
@Suite struct ControlRequestFieldTests {
    nonisolated(unsafe) static let loose: [(Any, String)] = [
        ("100", "got a string"), (1.5, "got 1.5"), (1e30, "got 1e+30"), (true, "got a boolean"), (0, "got 0"),
    ]

    @Test(arguments: 0..<loose.count)
    func timeoutMs_notAWholeNumberInRange_isRefused(index: Int) {
        let (value, got) = Self.loose[index]
        let error = #expect(throws: ControlCommands.FormProblem.self) {
            try ControlCommands.wholeNumber(["timeoutMs": value], "timeoutMs", in: 1...600_000, default: 10_000)
        }
        #expect(error?.description.hasPrefix("\"timeoutMs\" must be a whole number in 1...600000, got ") == true)
        #expect(error?.description.contains(got) == true, "\(error?.description ?? "")")
    }

    @Test func wholeNumber_inRange_orAbsent_isAccepted() throws {
        #expect(
            try ControlCommands.wholeNumber(["timeoutMs": 250], "timeoutMs", in: 1...600_000, default: 10_000) == 250)
        #expect(try ControlCommands.wholeNumber([:], "timeoutMs", in: 1...600_000, default: 10_000) == 10_000)
        #expect(try ControlCommands.wholeNumber(["count": NSNull()], "count", in: 0...100, default: 1) == 1)
        #expect(throws: ControlCommands.FormProblem.self) {
            try ControlCommands.wholeNumber(["count": 1e300], "count", in: 0...100, default: 1)
        }
    }

    /// On a running kioskd: before, `"timeoutMs": "100"` waited the default 10 s and `count` 1e300 was accepted.
    @Test func daemon_refusesLooseRequestFieldsAtOnce() throws {
        let dir = try TemporaryDirectory("kioskd-fields")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        for value in ["100", 1.5, 1e30] as [Any] {
            let started = ContinuousClock.now
            let reply = try admin.flow("wait", ["step": "rating", "timeoutMs": value])
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(reply["ok"] as? Bool == false)
            #expect((reply["error"] as? String)?.contains("\"timeoutMs\" must be a whole number in 1...600000") == true)
        }
        let reply = try admin.sim("card-read-failures", ["count": 1e300])
        #expect(reply["ok"] as? Bool == false)
        #expect((reply["error"] as? String)?.contains("\"count\" must be a whole number in 0...100") == true)
        #expect(try admin.sim("card-read-failures", ["count": 0])["ok"] as? Bool == true)
    }
}
