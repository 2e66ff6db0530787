import Foundation

/// The scripted citizen of the daemon tests, step by step through admin.sock.
enum DaemonScript {
    nonisolated(unsafe) static let form: [String: Any] = [
        "kind": "company", "name": "北京自助示范科技有限公司", "entityType": "有限责任公司（自然人独资）",
        "representative": "张三丰", "registeredCapitalWan": 100, "address": "北京市东城区景山前街4号",
        "businessScope": "技术开发、技术咨询；销售电子产品。", "phone": "13812345678",
    ]
    static let signature = String(repeating: "5a", count: 32)

    /// start → card → confirm → form → sign → confirm; returns the transaction id (the flow is then approving).
    @discardableResult
    static func throughSignature(_ admin: ControlConnection, card: String = "resident") throws -> String {
        let started = try admin.flow("start")
        guard let id = started["transactionID"] as? String else {
            throw ControlConnection.Failure(description: "no transaction id: \(started)")
        }
        try admin.sim("place-card", ["card": card])
        try passIdentity(admin)
        try admin.sim("lift-card")
        try expectApplied(admin.flow("submit-form", ["form": form]))
        try expectApplied(admin.flow("sign", ["signatureSHA256": signature]))
        try expectApplied(admin.flow("confirm", ["declarationAccepted": true]))
        return id
    }

    /// 身份证比对 after the card was read: the confirm step (`identity.faceVerification: off`), or the face step
    /// (`required`): 开始比对, then the form once the centre said `match`.
    static func passIdentity(_ admin: ControlConnection) throws {
        let reached = try admin.request(
            [
                "command": "flow", "event": "wait", "anyOf": ["verifyingIdentity", "capturingFace"],
                "timeoutMs": 30_000,
            ],
            timeout: .seconds(40))
        switch reached["step"] as? String {
        case "verifyingIdentity":
            try expectApplied(admin.flow("confirm-identity"))
        case "capturingFace":
            try expectApplied(admin.flow("capture-face"))
            try admin.wait(for: "fillingForm")
        default:
            throw ControlConnection.Failure(description: "the card was not taken: \(reached)")
        }
    }

    static func expectApplied(_ reply: [String: Any]) throws {
        guard reply["applied"] as? Bool == true else {
            throw ControlConnection.Failure(description: "not applied: \(reply)")
        }
    }
}
