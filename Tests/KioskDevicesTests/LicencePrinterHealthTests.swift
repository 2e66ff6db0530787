import Testing

@testable import KioskDevices

/// printer-state-reasons → health reasons (pure mapping; keywords from docs/device-protocols.md §3.2).
struct LicencePrinterHealthTests {
    func health(_ reasons: [String], state: Int = 3, accepting: Bool = true, policy: String = "retry-job")
        -> DeviceHealth
    {
        let status = CUPSPrinterStatus(
            state: state, reasons: CUPSPrinterStatus.strip(reasons), errorPolicy: policy, isAcceptingJobs: accepting)
        return LicencePrinterHealth.health(status)
    }

    @Test func stateReasons_suffixesAreStripped() {
        #expect(
            CUPSPrinterStatus.strip(["media-empty-error", "toner-low-report", "door-open-warning", "none"])
                == ["media-empty", "toner-low", "door-open"])
    }

    @Test func stateReasons_faultsMakeTheQueueFaulted() {
        #expect(health(["media-empty-error"]) == DeviceHealth(.faulted, reasons: ["media-empty"]))
        #expect(health(["media-jam-warning"]) == DeviceHealth(.faulted, reasons: ["media-jam"]))
        #expect(health(["door-open-report"]) == DeviceHealth(.faulted, reasons: ["door-open"]))
        #expect(health(["cover-open-report"]) == DeviceHealth(.faulted, reasons: ["door-open"]))
        #expect(health(["offline-report"]) == DeviceHealth(.faulted, reasons: ["offline"]))
    }

    @Test func stateReasons_tonerLowOnlyDegrades() {
        #expect(health(["toner-low-report"]) == DeviceHealth(.degraded, reasons: ["toner-low"]))
        #expect(health(["marker-supply-low-warning"]) == DeviceHealth(.degraded, reasons: ["toner-low"]))
    }

    @Test func stoppedQueue_isReportedAsCupsQueueStopped() {
        #expect(health(["paused"], state: 5).reasons == ["cups-queue-stopped"])
        #expect(health([], state: 5).state == .faulted)
        #expect(health([], accepting: false).reasons == ["cups-queue-rejecting-jobs"])
    }

    @Test func cupsProgressNotes_areIgnoredAndUnknownKeywordsAreOther() {
        #expect(health(["cups-waiting-for-job-completed", "connecting-to-device"]) == DeviceHealth(.ready))
        #expect(health(["sparkle-shortage-error"]).reasons == ["other"])
    }

    @Test func errorPolicyOtherThanRetryJob_degrades() {
        #expect(
            health([], policy: "stop-printer") == DeviceHealth(.degraded, reasons: ["cups-error-policy-stop-printer"]))
    }

    @Test func cupsdUnreachable_isDisconnected() {
        #expect(LicencePrinterHealth.health(CUPSError.unreachable(server: "/x", detail: "")).state == .disconnected)
    }
}
