import Foundation
import KioskControl
import KioskCore
import KioskDevices

/// The flow's side of `monitor`: its UI events (steps, staff calls, refusals, endings) as monitor events, and the
/// prints' starts and outcomes. Texts come from `FlowRunner.describe`, which carries codes and masked values only.
enum FlowMonitorEvents {
    /// Follows the runner's UI events until it stops (or the task is cancelled).
    static func forward(_ runner: FlowRunner, to hub: EventHub) async {
        for await event in await runner.watch() {
            guard let (kind, name, detail) = classify(event) else { continue }
            hub.publish(kind, name, detail, text: FlowRunner.describe(event))
        }
    }

    /// Nil for what another publisher already says better (the card pump says a card was read).
    static func classify(_ event: UIEvent) -> (MonitorEvent.Kind, String, [String: String])? {
        switch event {
        case .stepChanged(let step): (.flow, "step", ["step": step.rawValue])
        case .identitySummary: nil
        case .cardReadFailed(let reason, let left):
            (.flow, "card-read-failed", ["reason": reason, "attemptsLeft": String(left)])
        case .faceMismatch(let left): (.flow, "face-mismatch", ["attemptsLeft": String(left)])
        case .identityRefused(let reasons, let left):
            (.flow, "identity-refused", ["reasons": reasons.joined(separator: ","), "attemptsLeft": String(left)])
        case .formRejected(let issues):
            (
                .flow, "form-rejected",
                ["issues": issues.map { "\($0.field.rawValue)/\($0.code)" }.joined(separator: ",")]
            )
        case .signatureRequired: (.flow, "signature-required", [:])
        case .declarationRequired: (.flow, "declaration-required", [:])
        case .applicationRejected(let reasons, let left):
            (.flow, "application-rejected", ["reasons": reasons.joined(separator: ","), "attemptsLeft": String(left)])
        case .timeoutWarning(let seconds): (.flow, "timeout-warning", ["secondsLeft": String(seconds)])
        case .deviceProblem(let role): (.flow, "device-problem", ["role": role.rawValue])
        case .deviceRecovered(let role): (.flow, "device-recovered", ["role": role.rawValue])
        case .staffCalled(let reason): (.staff, "called", ["reason": reason])
        case .staffActed(let action): (.staff, "acted", ["action": action.rawValue])
        case .receiptFailed: (.flow, "receipt-failed", [:])
        case .pleaseWait: (.flow, "please-wait", [:])
        case .presentCardAgain: (.flow, "present-card-again", [:])
        case .done(let id): (.flow, "done", ["transactionID": id])
        case .handedOff(let reason): (.flow, "handed-off", ["reason": reason.rawValue])
        case .cancelled(let reason): (.flow, "cancelled", ["reason": reason.rawValue])
        }
    }
}

extension EventHub {
    /// A print (licence, receipt, ticket) was handed to its device.
    func printStarted(_ role: DeviceRole, job: String) {
        publish(.print, "started", ["role": role.rawValue, "job": job], text: "\(role.rawValue): \(job) sent")
    }

    /// How a print ended.
    func printEnded(_ role: DeviceRole, job: String, _ outcome: PrintOutcome) {
        let (name, reason) = PrintOutcome.parts(outcome)
        var detail = ["role": role.rawValue, "job": job, "outcome": name]
        if let reason { detail["reason"] = reason }
        publish(.print, name, detail, text: "\(role.rawValue): \(job) \(name)" + (reason.map { " (\($0))" } ?? ""))
    }
}

extension PrintOutcome {
    /// A failed or unknown print is a warning (someone may have to look at the printer); a completed one a notice.
    var logLevel: LogLevel { self == .completed ? .notice : .warning }

    static func parts(_ outcome: PrintOutcome) -> (String, String?) {
        switch outcome {
        case .completed: ("completed", nil)
        case .failed(let reason): ("failed", reason)
        case .unknown(let reason): ("unknown", reason)
        }
    }
}

extension FlowRunner.Dependencies {
    /// These dependencies with prints published to `hub`.
    func monitored(by hub: EventHub) -> Self {
        var copy = self
        copy.events = hub
        return copy
    }
}

extension FlowMonitorEvents {
    /// A ticket's outcome as a print's: presented (taken, left or retracted) is done; the rest as they are.
    static func outcome(of result: DispenseResult) -> PrintOutcome {
        switch result {
        case .taken, .left, .retracted: .completed
        case .failed(let problem): .failed(reason: problem.reason)
        case .unknown(let problem): .unknown(reason: problem.reason)
        }
    }
}
