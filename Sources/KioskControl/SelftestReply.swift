import Foundation

/// What `selftest` can test: the four devices, the central links and the host around them (docs/control-protocol.md).
public enum SelftestTarget: String, Sendable, Hashable, Codable, CaseIterable {
    case idReader, receiptPrinter, ticketDispenser, licencePrinter, central, host
}

/// One check's verdict. A warning does not fail the selftest (exit 0), as `lpstat` shows a warning and carries on.
public enum SelftestResult: String, Sendable, Hashable, Codable, Comparable {
    case pass, warn, fail

    private var rank: Int {
        switch self {
        case .pass: 0
        case .warn: 1
        case .fail: 2
        }
    }

    public static func < (lhs: SelftestResult, rhs: SelftestResult) -> Bool { lhs.rank < rhs.rank }
}

/// One line of the selftest: which target, which check, the verdict, and a one-line reason that never holds
/// personal data (the SAM ID, a queue name, a URL or an errno are fine; nothing a citizen gave).
public struct SelftestCheck: Sendable, Hashable, Codable {
    public var target: SelftestTarget
    public var check: String
    public var result: SelftestResult
    public var reason: String

    public init(_ target: SelftestTarget, _ check: String, _ result: SelftestResult, _ reason: String) {
        self.target = target
        self.check = check
        self.result = result
        self.reason = reason
    }
}

/// The answer to `selftest`: every check run, in order, and the overall verdict (the worst of them).
public struct SelftestReply: Sendable, Hashable, Codable {
    public var `class` = "selftest"
    public var ok = true
    public var targets: [SelftestTarget]
    /// Whether a real licence test page was asked for (`--print`).
    public var printedLicenceTestPage: Bool
    public var result: SelftestResult
    public var checks: [SelftestCheck]

    public init(targets: [SelftestTarget], printedLicenceTestPage: Bool, checks: [SelftestCheck]) {
        self.targets = targets
        self.printedLicenceTestPage = printedLicenceTestPage
        self.checks = checks
        result = checks.map(\.result).max() ?? .pass
    }

    /// How many checks had each verdict, for the summary line and the audit log.
    public var counts: (pass: Int, warn: Int, fail: Int) {
        (
            checks.filter { $0.result == .pass }.count, checks.filter { $0.result == .warn }.count,
            checks.filter { $0.result == .fail }.count
        )
    }

    /// `3 pass, 1 warn, 0 fail`.
    public var summary: String {
        let counts = counts
        return "\(counts.pass) pass, \(counts.warn) warn, \(counts.fail) fail"
    }
}

/// The selftest as a table, like `lpstat -t` or `mmcli`: one row per check, then the verdict.
public enum SelftestTable {
    public static func render(_ reply: SelftestReply) -> String {
        let header = ["TARGET", "CHECK", "RESULT", "REASON"]
        let rows = reply.checks.map { [$0.target.rawValue, $0.check, $0.result.rawValue, $0.reason] }
        var widths = header.map(\.count)
        for row in rows {
            for column in 0..<3 { widths[column] = max(widths[column], row[column].count) }
        }
        func line(_ cells: [String]) -> String {
            (0..<3).map { cells[$0].padding(toLength: widths[$0] + 2, withPad: " ", startingAt: 0) }.joined()
                + cells[3]
        }
        let verdict = "selftest \(reply.result == .fail ? "FAILED" : "passed"): \(reply.summary)"
        return ([line(header)] + rows.map(line) + ["", verdict]).joined(separator: "\n")
    }
}
