import Foundation
import KioskCore
import KioskStore
import Testing

@testable import KioskDaemon

/// A citizen's address with 𠀋 (CJK extension B, which UMing lacks) through the real daemon: drawn with the
/// fallback by default; with no fallback configured the licence is refused before anything reaches the printer,
/// naming the field, and staff are called (docs/ARCHITECTURE.md §4.8).
@Suite(.serialized) struct DaemonLicenceFontTests {
    static var fontsInstalled: Bool {
        let paths = [LicenceFontConfig.defaultFontPath] + LicenceFontConfig.defaultFallbackFontPaths
        let missing = paths.filter { !FileManager.default.fileExists(atPath: $0) }
        guard missing.isEmpty else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("missing \(missing)") }
            print("⚠️  SKIPPED DaemonLicenceFontTests: \(missing) missing; run scripts/install-deps.sh")
            return false
        }
        return true
    }

    static func throughSignature(_ admin: ControlConnection, address: String) throws -> String {
        let started = try admin.flow("start")
        let id = try #require(started["transactionID"] as? String)
        try admin.sim("place-card", ["card": "resident"])
        try DaemonScript.passIdentity(admin)
        try admin.sim("lift-card")
        var form = DaemonScript.form
        form["address"] = address
        try DaemonScript.expectApplied(admin.flow("submit-form", ["form": form]))
        try DaemonScript.expectApplied(admin.flow("sign", ["signatureSHA256": DaemonScript.signature]))
        try DaemonScript.expectApplied(admin.flow("confirm", ["declarationAccepted": true]))
        return id
    }

    @Test func extensionBAddress_withDefaultFonts_isPrinted() throws {
        guard Self.fontsInstalled else { return }
        let dir = try TemporaryDirectory("kioskd-font-extb")
        defer { dir.remove() }
        let daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        let id = try Self.throughSignature(admin, address: "北京市东城区𠀋景山前街4号")
        try admin.wait(for: "rating")
        let licences = try FileManager.default.contentsOfDirectory(
            atPath: dir.url.appendingPathComponent("sim-output/licences").path)
        #expect(licences == ["licence-\(id)-L1.pdf"])
        // pdffonts (poppler-utils): 𠀋 came from the fallback, embedded as a subset like the primary.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/pdffonts")
        process.arguments = [dir.url.appendingPathComponent("sim-output/licences/licence-\(id)-L1.pdf").path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let listed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        for name in ["UMingCN", "HanaMinA"] {
            #expect(
                listed.range(of: #"[A-Z]{6}\+"# + name + #"\s+CID TrueType"#, options: .regularExpression) != nil,
                "\(listed)")
        }
    }

    @Test func extensionBAddress_withoutFallback_isRefusedBeforeAnythingIsSent() throws {
        guard Self.fontsInstalled else { return }
        let dir = try TemporaryDirectory("kioskd-font-refused")
        defer { dir.remove() }
        let daemon = try DaemonProcess(
            stateDirectory: dir.url, config: ["kioskID": "K-1", "licence": ["fallbackFontPaths": [String]()]])
        defer { daemon.stop() }
        let admin = try daemon.admin()
        let id = try Self.throughSignature(admin, address: "北京市东城区𠀋景山前街4号")
        try admin.wait(for: "licencePrintProblem", timeout: .seconds(60))
        let handOff = try admin.request(["command": "staff", "staffID": "tech-7", "action": "hand-off"])
        #expect(handOff["applied"] as? Bool == true, "\(handOff)")
        try admin.wait(for: "rating")
        try DaemonScript.expectApplied(admin.flow("skip-rating"))
        try admin.wait(for: "handedOff")
        #expect(daemon.terminate() == 0)
        #expect(!daemon.output.contains("景山前街"), "the address is personal data")

        let printed = try? FileManager.default.contentsOfDirectory(
            atPath: dir.url.appendingPathComponent("sim-output/licences").path)
        #expect((printed ?? []).isEmpty, "nothing reaches the printer: \(printed ?? [])")
        let store = try TransactionStore.open(path: dir.url.appendingPathComponent("kioskd.db").path)
        defer { store.close() }
        #expect(try store.licenceJobs(transactionID: id).isEmpty, "no print job was even journalled")
        let record = try store.transaction(id: id)
        guard case .failed(let reason) = record?.licencePrint else {
            Issue.record("licence print should have failed: \(String(describing: record?.licencePrint))")
            return
        }
        #expect(reason.contains("field 'address' has a character no configured font can draw: U+2000B"), "\(reason)")
    }
}
