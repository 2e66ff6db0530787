/// Maps what cupsd says about a licence queue to `DeviceHealth` reason codes (stable kebab-case words).
enum LicencePrinterHealth {
    /// Reasons that stop printing, by stripped IPP keyword.
    static let faults: [String: String] = [
        "media-empty": "media-empty", "media-needed": "media-empty", "media-jam": "media-jam", "door-open": "door-open",
        "cover-open": "door-open", "interlock-open": "door-open", "toner-empty": "toner-empty",
        "marker-supply-empty": "toner-empty", "input-tray-missing": "input-tray-missing", "offline": "offline",
        "shutdown": "offline", "output-area-full": "output-area-full", "spool-area-full": "spool-area-full",
    ]
    /// Reasons that only warn.
    static let warnings: [String: String] = [
        "toner-low": "toner-low", "marker-supply-low": "toner-low", "media-low": "media-low",
        "marker-waste-almost-full": "waste-almost-full",
    ]

    static func health(_ status: CUPSPrinterStatus, recommendedPolicy: String = "retry-job") -> DeviceHealth {
        var faultReasons: [String] = []
        var warningReasons: [String] = []
        if status.isStopped { faultReasons.append("cups-queue-stopped") }
        if !status.isAcceptingJobs { faultReasons.append("cups-queue-rejecting-jobs") }
        for keyword in status.reasons {
            if let reason = faults[keyword] {
                faultReasons.append(reason)
            } else if let reason = warnings[keyword] {
                warningReasons.append(reason)
            } else if keyword == "paused" {
                faultReasons.append("cups-queue-stopped")
            } else if keyword.hasPrefix("cups-") || keyword.hasPrefix("connecting-to-device")
                || keyword == "moving-to-paused"
            {
                continue  // cupsd's own progress notes
            } else {
                warningReasons.append("other")
            }
        }
        if !status.errorPolicy.isEmpty, status.errorPolicy != recommendedPolicy {
            warningReasons.append("cups-error-policy-\(status.errorPolicy)")
        }
        let reasons = unique(faultReasons + warningReasons)
        if !faultReasons.isEmpty { return DeviceHealth(.faulted, reasons: reasons) }
        if !warningReasons.isEmpty { return DeviceHealth(.degraded, reasons: reasons) }
        return DeviceHealth(.ready)
    }

    static func health(_ error: CUPSError) -> DeviceHealth {
        switch error {
        case .unreachable: DeviceHealth(.disconnected, reasons: ["cupsd-unreachable"])
        case .notFound: DeviceHealth(.faulted, reasons: ["cups-queue-missing"])
        case .requestFailed: DeviceHealth(.faulted, reasons: ["cups-request-failed"])
        }
    }

    private static func unique(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0).inserted }
    }
}
