import Foundation
import Testing

/// `kioskd --simulate --demo --exit-after-demo` (what `make demo` runs), as a real process.
@Suite struct DemoTests {
    @Test func demo_endsWithTheTransactionAtTheSimulatedCentre_pushedAndPulled_countedOnce() throws {
        let dir = try TemporaryDirectory("kioskd-demo")
        defer { dir.remove() }
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = nil
        let result = try ProcessRunner.run(
            "kioskd", ["--simulate", "--demo", "--exit-after-demo", "--no-cups", "--state-dir", dir.url.path],
            environment: environment, timeout: 120)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        let done = try #require(lines.firstIndex { $0.hasPrefix("done: transaction ") }, "\(result.stdout)")
        let id = String(lines[done].dropFirst("done: transaction ".count).prefix { $0 != " " })
        let pushed = lines.firstIndex { $0.contains("transaction \(id) arrived at the simulated centre by push") }
        let pulled = lines.firstIndex { $0.contains("pulled from kioskd's pull API") && $0.contains("exactly once") }
        #expect(pushed != nil && pulled != nil, "\(result.stdout)")
        if let pushed, let pulled { #expect(done < pushed && pushed < pulled) }
    }
}
