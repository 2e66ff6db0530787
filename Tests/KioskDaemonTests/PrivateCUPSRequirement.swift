import Foundation
import KioskSimulators
import Testing

/// Whether the tests that need a private cupsd run here: where cupsd and ippeveprinter are installed, and always
/// under `CI=true` (where a missing cupsd must fail them, not skip them). Elsewhere they show as skipped, with why.
enum PrivateCUPSRequirement {
    static var canRun: Bool { PrivateCUPS.isAvailable || ProcessInfo.processInfo.environment["CI"] == "true" }
    static var whyNot: Comment { "needs cupsd and ippeveprinter: \(PrivateCUPS.reasonUnavailable ?? "")" }
}
