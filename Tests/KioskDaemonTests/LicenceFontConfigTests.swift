import Foundation
import KioskDocuments
import Testing

@testable import KioskDaemon

/// `licence.fontPath`, `fontFace`, `fallbackFontPaths` and `standardSong`: parsed with their keys named, and the font
/// files read at start so a missing one is a config error rather than a refused licence at the counter.
@Suite struct LicenceFontConfigTests {
    static func parse(_ licence: [String: Any]) throws(ConfigError) -> DaemonConfig {
        try DaemonConfigTests.parse(["kioskID": "K-1", "licence": licence])
    }

    @Test func defaults_areTheDebianUMingWithHanaMinFallbacks() throws {
        let config = try DaemonConfigTests.parse(["kioskID": "K-1"])
        #expect(config.licence.fonts.fontPath == "/usr/share/fonts/truetype/arphic/uming.ttc")
        #expect(config.licence.fonts.face == .index(0))
        #expect(
            config.licence.fonts.fallbackFontPaths == [
                "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf", "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",
            ])
        #expect(config.licence.fonts.standardSong == false)
    }

    @Test func keys_areRead() throws {
        let config = try Self.parse([
            "fontPath": "/opt/fonts/a.ttc", "fontFace": "AR PL UMing HK", "fallbackFontPaths": [String](),
        ])
        #expect(config.licence.fonts.fontPath == "/opt/fonts/a.ttc")
        #expect(config.licence.fonts.face == .name("AR PL UMing HK"))
        #expect(config.licence.fonts.fallbackFontPaths.isEmpty)
        #expect(try Self.parse(["fallbackFontPaths": ["/a.ttf"]]).licence.fonts.fallbackFontPaths == ["/a.ttf"])
        #expect(try Self.parse(["fontFace": 2]).licence.fonts.face == .index(2))
        let song = try Self.parse(["standardSong": true]).licence.fonts
        #expect(song.standardSong && song.fontPath == nil && song.fallbackFontPaths.isEmpty)
        if case .standardSong = try song.load(file: "kioskd.json").fonts.first {
        } else {
            Issue.record("standardSong loads STSong-Light")
        }
    }

    @Test func badValues_areRefusedNamingTheKey() {
        let cases: [([String: Any], String, String)] = [
            (["fontFace": true], "licence.fontFace", "face index"),
            (["fontFace": -1], "licence.fontFace", "face index"),
            (["fontPath": ""], "licence.fontPath", "must not be empty"),
            (["standardSong": "yes"], "licence.standardSong", "true or false"),
            (["standardSong": true, "fontPath": "/x.ttf"], "licence.fontPath", "STSong-Light without embedding"),
            (["font": "/x.ttf"], "licence.font", "unknown key"),
            (["fallbackFontPaths": "/x.ttf"], "licence.fallbackFontPaths", "array of strings"),
            (["fallbackFontPaths": [""]], "licence.fallbackFontPaths[0]", "non-empty string"),
        ]
        for (licence, key, expected) in cases {
            let error = #expect(throws: ConfigError.self) { try Self.parse(licence) }
            #expect(error?.keyPath == key, "\(licence)")
            #expect(error?.problem.contains(expected) == true, "\(error?.problem ?? "no error")")
        }
    }

    @Test func missingOrUnusableFontFile_isAConfigErrorNamingTheKey() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-fonts-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let notAFont = directory.appendingPathComponent("notafont.ttf").path
        try Data("not a font".utf8).write(to: URL(fileURLWithPath: notAFont))

        var fonts = LicenceFontConfig()
        fonts.fontPath = directory.appendingPathComponent("missing.ttc").path
        var error = #expect(throws: ConfigError.self) { try fonts.load(file: "kioskd.json") }
        #expect(error?.keyPath == "licence.fontPath")
        #expect(error?.problem.contains("missing.ttc does not exist") == true, "\(error?.problem ?? "")")

        fonts.fontPath = notAFont
        error = #expect(throws: ConfigError.self) { try fonts.load(file: "kioskd.json") }
        #expect(error?.keyPath == "licence.fontPath")
        #expect(error?.problem.contains("not a TrueType font") == true, "\(error?.problem ?? "")")

        fonts = LicenceFontConfig()
        fonts.fallbackFontPaths = [LicenceFontConfig.defaultFallbackFontPaths[0], notAFont]
        guard FileManager.default.fileExists(atPath: LicenceFontConfig.defaultFontPath),
            FileManager.default.fileExists(atPath: LicenceFontConfig.defaultFallbackFontPaths[0])
        else {
            print("⚠️  SKIPPED the fallback half: fonts-arphic-uming or fonts-hanazono is missing")
            return
        }
        error = #expect(throws: ConfigError.self) { try fonts.load(file: "kioskd.json") }
        #expect(error?.keyPath == "licence.fallbackFontPaths[1]")
    }

    @Test func defaultFonts_loadAsUMingThenHanaMinAThenB() throws {
        for path in [LicenceFontConfig.defaultFontPath] + LicenceFontConfig.defaultFallbackFontPaths
        where !FileManager.default.fileExists(atPath: path) {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("\(path) is missing") }
            print("⚠️  SKIPPED defaultFonts_load: \(path) is missing; run scripts/install-deps.sh")
            return
        }
        let set = try LicenceFontConfig().load(file: "kioskd.json")
        let names = set.fonts.map { font -> String in
            if case .embedded(let embedded) = font { return embedded.name }
            return "STSong-Light"
        }
        #expect(names == ["UMingCN", "HanaMinA", "HanaMinB"])
    }
}

/// kioskd itself refuses to start with a licence font it cannot read, naming the key, before opening anything.
@Suite struct LicenceFontStartTests {
    @Test func start_withMissingLicenceFont_exitsNamingTheKey() throws {
        let dir = try TemporaryDirectory("kioskd-font")
        defer { dir.remove() }
        let missing = dir.url.appendingPathComponent("no-such-font.ttc").path
        let config = dir.url.appendingPathComponent("kioskd.json")
        try JSONSerialization.data(withJSONObject: ["kioskID": "K-1", "licence": ["fontPath": missing]]).write(
            to: config)
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = nil
        let result = try ProcessRunner.run(
            "kioskd",
            ["--simulate", "--state-dir", dir.url.path, "--no-cups", "--no-central", "--config", config.path],
            environment: environment, timeout: 60)
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("licence.fontPath: font file \(missing) does not exist"), "\(result.stderr)")
    }

    /// The licence the daemon prints with its default config embeds a UMing subset and names no STSong-Light.
    @Test func printedLicence_embedsTheDefaultFontSubset() throws {
        for path in [LicenceFontConfig.defaultFontPath] + LicenceFontConfig.defaultFallbackFontPaths
        where !FileManager.default.fileExists(atPath: path) {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("\(path) is missing") }
            print("⚠️  SKIPPED printedLicence_embedsTheDefaultFontSubset: \(path) is missing")
            return
        }
        let dir = try TemporaryDirectory("kioskd-font-print")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        let id = try DaemonScript.throughSignature(admin)
        try admin.wait(for: "rating")
        let pdf = dir.url.appendingPathComponent("sim-output/licences/licence-\(id)-L1.pdf").path
        // pdffonts (poppler-utils, scripts/install-deps.sh) lists the PDF's fonts.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/pdffonts")
        process.arguments = [pdf]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let listed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(listed.range(of: #"[A-Z]{6}\+UMingCN\s+CID TrueType"#, options: .regularExpression) != nil, "\(listed)")
        #expect(!listed.contains("STSong"), "\(listed)")
    }
}
