import Foundation
import Testing

/// The scripted citizen, and the staff beside them, carrying whatever session kioskd resumed after a restart to its
/// end. It looks at the flow's step and does what a person there would: present the same card again when the
/// resumed session asks for it (awaitingCard with a session), finish the form, wait for the printers, and — when a
/// licence print needs staff — confirm it if the sheet is in the tray, hand the citizen off if it is not (so the
/// test's staff never cause a second sheet themselves).
struct DaemonCitizen {
    let admin: ControlConnection
    var card = "resident"
    /// Whether the licence of a transaction is in the printer's tray (what staff would look at).
    var sheetPrinted: (String) -> Bool
    /// How long a print may take before the test gives up on it.
    var printTimeout: Duration = .seconds(120)

    /// Transactions seen ending `completed` (by their id).
    private(set) var completed: Set<String> = []

    init(_ admin: ControlConnection, sheetPrinted: @escaping (String) -> Bool) {
        self.admin = admin
        self.sheetPrinted = sheetPrinted
    }

    static let citizenSteps: Set<String> = [
        "awaitingCard", "verifyingIdentity", "capturingFace", "fillingForm", "awaitingSignature",
    ]
    static let machineSteps: Set<String> = [
        "verifyingFace", "approving", "printingLicence", "printingReceipt", "persisting",
    ]
    static let allSteps = [
        "idle", "awaitingCard", "verifyingIdentity", "capturingFace", "verifyingFace", "fillingForm",
        "awaitingSignature", "approving",
        "printingLicence", "licencePrintProblem", "printingReceipt", "rating", "persisting", "completed", "handedOff",
        "cancelled",
    ]

    func status() throws -> (step: String, transactionID: String?, flow: [String: Any]) {
        let flow = try admin.request(["command": "status"])["flow"] as? [String: Any] ?? [:]
        return (flow["step"] as? String ?? "idle", flow["transactionID"] as? String, flow)
    }

    /// Waits (in the daemon, on its events) until the flow leaves `step`.
    func waitToLeave(_ step: String, timeout: Duration) throws {
        try waitForAny(Self.allSteps.filter { $0 != step }, timeout: timeout)
    }

    func waitForAny(_ steps: [String], timeout: Duration) throws {
        let ms = Int(timeout.components.seconds * 1000)
        let reply = try admin.request(
            ["command": "flow", "event": "wait", "anyOf": steps, "timeoutMs": ms], timeout: timeout + .seconds(10))
        guard reply["ok"] as? Bool == true else {
            throw ControlConnection.Failure(description: "waiting for \(steps): \(reply["error"] ?? reply)")
        }
    }

    /// Drives the flow until it is idle again.
    mutating func settle() throws {
        for _ in 0..<40 {
            let (step, id, flow) = try status()
            switch step {
            case "idle":
                return
            case "completed", "cancelled", "handedOff":
                if step == "completed", let done = flow["lastCompletedTransaction"] as? String {
                    completed.insert(done)
                }
                try waitForAny(["idle"], timeout: .seconds(30))
            case "awaitingCard":
                // A session resumed before its licence was sent may ask for the same card again.
                _ = try? admin.sim("lift-card")
                try admin.sim("place-card", ["card": card])
                try waitToLeave("awaitingCard", timeout: .seconds(30))
                if try status().step != "verifyingIdentity" { try admin.sim("lift-card") }
            case "verifyingIdentity":
                try admin.flow("confirm-identity")
                _ = try? admin.sim("lift-card")
            case "capturingFace":
                // 开始比对; verifyingFace is then waited out with the machine steps.
                try admin.flow("capture-face")
            case "fillingForm":
                try DaemonScript.expectApplied(admin.flow("submit-form", ["form": DaemonScript.form]))
            case "awaitingSignature":
                try admin.flow("sign", ["signatureSHA256": DaemonScript.signature])
                try admin.flow("confirm", ["declarationAccepted": true])
            case _ where Self.machineSteps.contains(step):
                try waitToLeave(step, timeout: printTimeout)
            case "licencePrintProblem":
                let printed = id.map(sheetPrinted) ?? false
                let action = printed ? "confirm-licence-printed" : "hand-off"
                let reply = try admin.request(["command": "staff", "staffID": "tech-1", "action": action])
                try DaemonScript.expectApplied(reply)
            case "rating":
                try admin.flow("rate", ["grade": 3])
            default:
                Issue.record("unexpected step \(step)")
                return
            }
        }
        Issue.record("the resumed session did not settle: \(try status())")
    }

    /// Records a completion seen outside `settle` (a flow that ran to the end without a restart).
    mutating func sawCompleted(_ id: String) { completed.insert(id) }
}
