import Foundation
import KioskControl
import KioskCore
import KioskDevices
import Testing

@testable import KioskDaemon

/// The pure parts of issue 13's technician plumbing: the log ring, the STATUS= line, the health log levels, the
/// event hub's bounded queues and the debug bundle's secret removal.
@Suite struct OpsUnitTests {
    static func line(_ n: Int) -> RecentLogLines.Line {
        .init(at: Date(timeIntervalSince1970: Double(n)), level: .info, component: "t", text: "line \(n)")
    }

    @Test func logRing_keepsTheLastLinesOldestFirst() {
        var ring = RecentLogLines(capacity: 3)
        for n in 1...2 { ring.append(Self.line(n)) }
        #expect(ring.lines.map(\.text) == ["line 1", "line 2"])
        for n in 3...7 { ring.append(Self.line(n)) }
        #expect(ring.lines.map(\.text) == ["line 5", "line 6", "line 7"])
        #expect(ring.lines.last?.rendered == "1970-01-01T00:00:07.000Z <6>t: line 7")
    }

    @Test func logger_keepsLinesInItsRing_evenWhenStderrRefusesThem() {
        let logger = Logger(level: .info) { _ in false }
        logger.warning("receiptPrinter", "faulted")
        logger.debug("x", "below the threshold")
        #expect(logger.recentLines.map(\.text) == ["faulted"])
        #expect(logger.recentLines.first?.level == .warning)
    }

    @Test func statusLine_countsReadyDevices_andNamesEachProblem() {
        let ready = DeviceHealth(.ready)
        let note = DeviceHealth(.ready, reasons: ["simulated-pdf-sink"])
        #expect(DeviceHealthWatch.statusLine([(.idReader, ready), (.licencePrinter, note)]) == "ready: 2/2 devices")
        #expect(
            DeviceHealthWatch.statusLine([
                (.idReader, ready), (.receiptPrinter, DeviceHealth(.faulted, reasons: ["paper-end"])),
                (.ticketDispenser, DeviceHealth(.disconnected)),
            ]) == "degraded: receiptPrinter paper-end; ticketDispenser disconnected")
    }

    @Test func healthLevels_faultsWarn_recoveriesNotice_startUpInfo() {
        let ready = DeviceHealth(.ready)
        let fault = DeviceHealth(.faulted, reasons: ["paper-end"])
        #expect(DeviceHealthWatch.level(from: ready, to: fault) == .warning)
        #expect(DeviceHealthWatch.level(from: fault, to: DeviceHealth(.disconnected)) == .warning)
        #expect(DeviceHealthWatch.level(from: fault, to: ready) == .notice)
        #expect(DeviceHealthWatch.level(from: DeviceHealth(.starting), to: ready) == .info)
        #expect(DeviceHealthWatch.describe(.receiptPrinter, from: fault, to: ready).hasPrefix("recovered: ready"))
    }

    @Test func eventHub_cutsOffASlowSubscriber_andKeepsServingTheOthers() {
        let hub = EventHub()
        let slow = hub.subscribe(maximumQueued: 2)
        let fast = hub.subscribe(maximumQueued: 100)
        for n in 1...3 { hub.publish(.flow, "step", text: "step \(n)") }
        #expect(slow.next(waitingAtMost: 0) == .overflowed(dropped: 3))
        guard case .events(let events) = fast.next(waitingAtMost: 0) else {
            Issue.record("the fast subscriber got nothing")
            return
        }
        #expect(events.map(\.seq) == [1, 2, 3])
        #expect(hub.subscriberCount == 1)
        #expect(fast.next(waitingAtMost: 0.01) == .idle)
    }

    @Test func debugInfo_removesSecrets_keepsPaths() throws {
        let config: [String: Any] = [
            "central": [
                "pull": ["tokenSHA256": ["ab" + String(repeating: "0", count: 62)], "tls": ["key": "/etc/k.key"]],
                "push": ["tokenFile": "/etc/kioskd/push.token", "url": "https://c"],
            ],
            "ui": ["password": "hunter2"],
        ]
        let text = String(
            decoding: try ControlProtocol.encodeLine(DebugInfo.redacted(ControlJSON(any: config))), as: UTF8.self)
        #expect(!text.contains("ab000"))
        #expect(!text.contains("hunter2"))
        #expect(text.contains("/etc/kioskd/push.token"))
        #expect(text.contains("/etc/k.key"))
        #expect(text.contains(DebugInfo.removed))
    }
}

/// Failed and unknown prints are warnings; a ticket presented, whatever the citizen did with it, is done.
@Suite struct PrintOutcomeLevelTests {
    @Test func failedOrUnknownPrints_warn_completedOnes_notice() {
        #expect(PrintOutcome.completed.logLevel == .notice)
        #expect(PrintOutcome.failed(reason: "paper-end").logLevel == .warning)
        #expect(PrintOutcome.unknown(reason: "timeout").logLevel == .warning)
        #expect(FlowMonitorEvents.outcome(of: .left) == .completed)
        #expect(FlowMonitorEvents.outcome(of: .retracted) == .completed)
    }
}
