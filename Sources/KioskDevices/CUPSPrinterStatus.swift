/// A queue (at cupsd) or a printer as Get-Printer-Attributes reports it.
public struct CUPSPrinterStatus: Sendable, Hashable {
    /// `printer-state`: 3 idle, 4 processing, 5 stopped.
    public let state: Int
    /// `printer-state-reasons` with the `-report` / `-warning` / `-error` suffix stripped; `none` dropped.
    public let reasons: [String]
    public let message: String
    /// `printer-error-policy` (cupsd only): what cupsd does when the backend fails.
    public let errorPolicy: String
    public let isAcceptingJobs: Bool
    /// `device-uri` (cupsd only): where the queue sends its jobs.
    public let deviceURI: String
    /// `media-supported`: the PWG media names the queue offers (`iso_a3_297x420mm`, ...).
    public let mediaSupported: [String]

    public var isStopped: Bool { state == 5 }

    static let requestedAttributes = [
        "printer-state", "printer-state-reasons", "printer-state-message", "printer-error-policy",
        "printer-is-accepting-jobs",
        "device-uri", "media-supported",
    ]

    init(response: IPPResponse) {
        state = response.integer("printer-state") ?? 0
        reasons = CUPSPrinterStatus.strip(response.strings("printer-state-reasons"))
        message = response.string("printer-state-message") ?? ""
        errorPolicy = response.string("printer-error-policy") ?? ""
        isAcceptingJobs = (response.integer("printer-is-accepting-jobs") ?? 1) != 0
        deviceURI = response.string("device-uri") ?? ""
        mediaSupported = response.strings("media-supported")
    }

    public init(
        state: Int, reasons: [String], message: String = "", errorPolicy: String = "", isAcceptingJobs: Bool = true,
        deviceURI: String = "", mediaSupported: [String] = []
    ) {
        self.state = state
        self.reasons = reasons
        self.message = message
        self.errorPolicy = errorPolicy
        self.isAcceptingJobs = isAcceptingJobs
        self.deviceURI = deviceURI
        self.mediaSupported = mediaSupported
    }

    /// Keywords without their severity suffix, `none` dropped, duplicates removed, order kept.
    static func strip(_ keywords: [String]) -> [String] {
        var seen: Set<String> = []
        var result: [String] = []
        for keyword in keywords where keyword != "none" {
            var base = keyword
            for suffix in ["-report", "-warning", "-error"] where base.hasSuffix(suffix) {
                base = String(base.dropLast(suffix.count))
                break
            }
            if seen.insert(base).inserted { result.append(base) }
        }
        return result
    }
}
