import Foundation
import KioskIO
import Testing

/// The touch UI in a real headless Chromium (issue 11, docs/ui-api.md): Tests/Browser/ui_tests.py drives the page
/// over WebDriver against `kioskd --simulate` started as a real process, and this test runs it so it is part of
/// `make test`. Screenshots of every screen are kept in the artefact directory it prints.
@Suite(.serialized, .enabled(if: BrowserRequirement.canRun, BrowserRequirement.whyNot))
struct UIBrowserTests {
    @Test func touchUIInChromium() throws {
        let browserTests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Browser")
        let artefacts =
            ProcessInfo.processInfo.environment["KIOSKD_UI_ARTEFACTS"]
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("kioskd-ui-artefacts").path
        let child = try ChildProcess(
            BrowserRequirement.python,
            [
                browserTests.appendingPathComponent("ui_tests.py").path, "--kioskd",
                ProcessRunner.executable("kioskd").path, "--artefacts", artefacts,
            ],
            environment: ProcessInfo.processInfo.environment)
        defer { child.stop() }
        let finished = child.waitForExit(deadline: .after(seconds: 480))
        #expect(finished, "the browser suite did not finish within 8 minutes:\n\(child.output)")
        #expect(child.exitStatus == 0, "\(child.output)")
        print("UI screenshots: \(artefacts)/screens")
    }
}

/// Whether the browser suite can run here: Debian's chromium, chromium-driver and python3-selenium
/// (scripts/install-deps.sh). Under `CI=true` it always runs, so a missing package fails instead of skipping.
enum BrowserRequirement {
    /// Debian's interpreter, where python3-selenium is installed (not whatever `python3` is first on PATH).
    static let python = "/usr/bin/python3"
    static let needed = [
        "/usr/bin/chromium", "/usr/bin/chromedriver", python, "/usr/lib/python3/dist-packages/selenium",
    ]

    static var missing: [String] { needed.filter { !FileManager.default.fileExists(atPath: $0) } }
    static var canRun: Bool { missing.isEmpty || ProcessInfo.processInfo.environment["CI"] == "true" }
    static var whyNot: Comment { "needs chromium, chromium-driver and python3-selenium; missing \(missing)" }
}
