/// What the central simulator's identity service answers under `kioskd --simulate` (`kioskctl simulate face`):
/// the `sim` request's `face` action, typed on both sides of the control socket.
public enum SimulatedFaceAnswer: String, Sendable, Hashable, Codable, CaseIterable {
    case match
    case noMatch = "no-match"
    case unavailable
    /// Answers after longer than the verifier waits.
    case slow
}

/// `{"command": "sim", "action": "face", "mode"?: ANSWER, "script"?: [ANSWER]}`: the mode stays until changed; the
/// script's answers are given first, one per request.
public struct FaceSimulation: Sendable, Hashable {
    public static let action = "face"
    public static let maximumScript = 20

    public var mode: SimulatedFaceAnswer?
    public var script: [SimulatedFaceAnswer]?

    public init(mode: SimulatedFaceAnswer?, script: [SimulatedFaceAnswer]? = nil) {
        self.mode = mode
        self.script = script
    }

    /// The `sim` request that carries it.
    public var request: ControlRequest {
        var fields: [String: ControlJSON] = [:]
        if let mode { fields["mode"] = .string(mode.rawValue) }
        if let script { fields["script"] = .array(script.map { .string($0.rawValue) }) }
        return .sim(action: Self.action, fields: fields)
    }

    /// Reads the `sim` request's fields (besides `command` and `action`); at least one of `mode` and `script`.
    public init(fields: [String: ControlJSON]) throws(FieldError) {
        let names = SimulatedFaceAnswer.allCases.map(\.rawValue).joined(separator: ", ")
        if let unknown = fields.keys.first(where: { $0 != "mode" && $0 != "script" }) {
            throw FieldError(field: unknown, "field '\(unknown)' is not known to the face simulation")
        }
        switch fields["mode"] {
        case nil, .null?: mode = nil
        case .string(let name)?:
            guard let answer = SimulatedFaceAnswer(rawValue: name) else {
                throw .field("mode", mustBe: "one of \(names)")
            }
            mode = answer
        case let other?: throw .field("mode", mustBe: "one of \(names)", got: other)
        }
        switch fields["script"] {
        case nil, .null?: script = nil
        case .array(let items)? where items.count <= Self.maximumScript:
            var answers: [SimulatedFaceAnswer] = []
            for item in items {
                guard case .string(let name) = item, let answer = SimulatedFaceAnswer(rawValue: name) else {
                    throw .field("script", mustBe: "a list of at most \(Self.maximumScript) of \(names)")
                }
                answers.append(answer)
            }
            script = answers
        case let other?:
            throw .field("script", mustBe: "a list of at most \(Self.maximumScript) of \(names)", got: other)
        }
        guard mode != nil || script != nil else { throw .field("mode", mustBe: "one of \(names) (or give a script)") }
    }
}
