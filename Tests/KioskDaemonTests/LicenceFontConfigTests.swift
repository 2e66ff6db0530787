import Foundation
import KioskDocuments
import Testing

@testable import KioskDaemon

/// `licence.fontPath`, `fontFace`, `fallbackFontPath` and `standardSong`: parsed with their keys named, and the font
/// files read at start so a missing one is a config error rather than a refused licence at the counter.
@Suite struct LicenceFontConfigTests {
    static func parse(_ licence: [String: Any]) throws(ConfigError) -> DaemonConfig {
        try DaemonConfigTests.parse(["kioskID": "K-1", "licence": licence])
    }

    @Test func defaults_areTheDebianUMingWithHanaMinBFallback() throws {
        let config = try DaemonConfigTests.parse(["kioskID": "K-1"])
        #expect(config.licence.fonts.fontPath == "/usr/share/fonts/truetype/arphic/uming.ttc")
        #expect(config.licence.fonts.face == .index(0))
        #expect(config.licence.fonts.fallbackFontPath == "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf")
        #expect(config.licence.fonts.standardSong == false)
    }

    @Test func keys_areRead() throws {
        let config = try Self.parse([
            "fontPath": "/opt/fonts/a.ttc", "fontFace": "AR PL UMing HK", "fallbackFontPath": "none",
        ])
        #expect(config.licence.fonts.fontPath == "/opt/fonts/a.ttc")
        #expect(config.licence.fonts.face == .name("AR PL UMing HK"))
        #expect(config.licence.fonts.fallbackFontPath == nil)
        #expect(try Self.parse(["fontFace": 2]).licence.fonts.face == .index(2))
        let song = try Self.parse(["standardSong": true]).licence.fonts
        #expect(song.standardSong && song.fontPath == nil && song.fallbackFontPath == nil)
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
        fonts.fallbackFontPath = notAFont
        guard FileManager.default.fileExists(atPath: LicenceFontConfig.defaultFontPath) else {
            print("⚠️  SKIPPED the fallback half: \(LicenceFontConfig.defaultFontPath) is missing (fonts-arphic-uming)")
            return
        }
        error = #expect(throws: ConfigError.self) { try fonts.load(file: "kioskd.json") }
        #expect(error?.keyPath == "licence.fallbackFontPath")
    }

    @Test func defaultFonts_loadAsUMingThenHanaMinB() throws {
        for path in [LicenceFontConfig.defaultFontPath, LicenceFontConfig.defaultFallbackFontPath]
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
        #expect(names == ["ARPLUMingCN", "HanaMinB"])
    }
}
