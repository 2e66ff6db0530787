import Testing

@testable import KioskDaemon

/// The pure burst counter behind the control sockets' rate-limited refusal lines.
struct BurstCounterTests {
    let start = ContinuousClock.now

    @Test func eventsInsideAWindow_becomeOneSummaryWithTheirCount() {
        var counter = BurstCounter(window: .seconds(5))
        for ms in [0, 100, 200, 4_900] {
            #expect(counter.record("too many connections", at: start + .milliseconds(ms)) == nil)
        }
        #expect(counter.due(at: start + .milliseconds(4_999)) == nil)
        #expect(
            counter.due(at: start + .seconds(5))
                == BurstCounter.Summary(count: 4, span: .milliseconds(4_900), detail: "too many connections"))
        // Told once.
        #expect(counter.due(at: start + .seconds(60)) == nil)
    }

    @Test func anEventAfterTheWindow_returnsThePreviousSummary_andOpensTheNextWindow() {
        var counter = BurstCounter(window: .seconds(5))
        _ = counter.record("a", at: start)
        _ = counter.record("b", at: start + .seconds(1))
        #expect(
            counter.record("c", at: start + .seconds(7))
                == BurstCounter.Summary(count: 2, span: .seconds(1), detail: "b"))
        #expect(counter.due(at: start + .seconds(11)) == nil)
        #expect(counter.due(at: start + .seconds(12)) == BurstCounter.Summary(count: 1, span: .zero, detail: "c"))
    }

    @Test func drain_tellsTheOpenWindowWhateverItsAge_andNothingWhenQuiet() {
        var counter = BurstCounter(window: .seconds(5))
        #expect(counter.drain() == nil)
        _ = counter.record("x", at: start)
        _ = counter.record("x", at: start + .milliseconds(10))
        #expect(counter.drain() == BurstCounter.Summary(count: 2, span: .milliseconds(10), detail: "x"))
        #expect(counter.drain() == nil)
    }
}
