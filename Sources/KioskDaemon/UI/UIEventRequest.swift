import Foundation

/// One event the touch page posts to `POST /ui/v1/events` (docs/ui-api.md), typed. Foundation only, so
/// scripts/fuzz.sh builds it on its own.
enum UIEventRequest: Sendable, Hashable {
    case start(elderly: Bool)
    case confirmIdentity
    /// 开始比对 on the face screen.
    case captureFace
    case submitForm(UIFormFields)
    case sign(UISignature)
    case confirm(declarationAccepted: Bool)
    case rate(UIRating)
    case skipRating
    case cancel
    case requestHandOff
    case stillHere
    case callStaff

    /// The event names, as the page sends them.
    static let names = [
        "start", "confirmIdentity", "captureFace", "submitForm", "sign", "confirm", "rate", "skipRating", "cancel",
        "requestHandOff", "stillHere", "callStaff",
    ]

    /// The largest body taken: a signature of 256 KiB is about 350 KB of base64.
    static let maximumBodyBytes = 512 * 1024
    /// The longest text field of the form.
    static let maximumTextLength = 2000

    /// Parses a body; the problem names the field (`form.name`, `ink.points`, `reasons[1]`) and what it expected.
    static func parse(_ body: [UInt8]) -> Result<UIEventRequest, UIEventProblem> {
        guard body.count <= maximumBodyBytes else {
            return .failure(UIEventProblem(field: nil, "the body is larger than \(maximumBodyBytes) bytes"))
        }
        guard JSONValue.nestingDepth(of: body) <= JSONValue.maximumDepth else {
            return .failure(UIEventProblem(field: nil, "the body is nested more than \(JSONValue.maximumDepth) deep"))
        }
        let value: JSONValue
        do { value = try JSONDecoder().decode(JSONValue.self, from: Data(body)) } catch {
            return .failure(UIEventProblem(field: nil, "the body is not valid JSON"))
        }
        guard case .object(let object) = value else {
            return .failure(UIEventProblem(field: nil, "the body must be a JSON object"))
        }
        do { return .success(try parse(object)) } catch { return .failure(error) }
    }

    private static func parse(_ object: [String: JSONValue]) throws(UIEventProblem) -> UIEventRequest {
        let fields = UIFields(object, path: "")
        guard let name = try fields.string("event", required: true) else { throw fields.problem("event", "missing") }
        switch name {
        case "start":
            try fields.only(["event", "elderly"])
            return .start(elderly: try fields.bool("elderly") ?? false)
        case "confirmIdentity", "captureFace", "skipRating", "cancel", "requestHandOff", "stillHere", "callStaff":
            try fields.only(["event"])
            switch name {
            case "confirmIdentity": return .confirmIdentity
            case "captureFace": return .captureFace
            case "skipRating": return .skipRating
            case "cancel": return .cancel
            case "requestHandOff": return .requestHandOff
            case "stillHere": return .stillHere
            default: return .callStaff
            }
        case "submitForm":
            try fields.only(["event", "form"])
            guard let form = try fields.object("form") else { throw fields.problem("form", "missing") }
            return .submitForm(try UIFormFields(form))
        case "sign":
            try fields.only(["event", "image", "ink"])
            guard let image = try fields.string("image", required: true, maxLength: maximumBodyBytes) else {
                throw fields.problem("image", "missing")
            }
            guard let ink = try fields.object("ink") else { throw fields.problem("ink", "missing") }
            return .sign(UISignature(dataURL: image, ink: try UIInk(ink)))
        case "confirm":
            try fields.only(["event", "declarationAccepted"])
            guard let accepted = try fields.bool("declarationAccepted") else {
                throw fields.problem("declarationAccepted", "missing; expected true or false")
            }
            return .confirm(declarationAccepted: accepted)
        case "rate":
            try fields.only(["event", "grade", "reasons", "followUpConsent"])
            guard let grade = try fields.wholeNumber("grade", in: 1...5) else {
                throw fields.problem("grade", "missing; expected a whole number 1…5 (5 = 非常满意)")
            }
            let reasons = try fields.strings("reasons", maxCount: UIRating.Reason.allCases.count * 2)
            var parsed: [UIRating.Reason] = []
            for (index, text) in (reasons ?? []).enumerated() {
                guard let reason = UIRating.Reason(rawValue: text) else {
                    throw fields.problem(
                        "reasons[\(index)]",
                        "expected one of \(UIRating.Reason.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                if !parsed.contains(reason) { parsed.append(reason) }
            }
            return .rate(
                UIRating(
                    grade: grade, reasons: parsed, reasonsGiven: reasons != nil,
                    followUpConsent: try fields.bool("followUpConsent")))
        default:
            throw fields.problem("event", "unknown event; expected one of \(names.joined(separator: ", "))")
        }
    }
}

/// Why a body was refused before it reached the flow (a `400`): the field, when one is to blame, and what it
/// expected. Never holds a value the citizen typed.
struct UIEventProblem: Error, Sendable, Hashable, CustomStringConvertible {
    let field: String?
    let message: String

    init(field: String?, _ message: String) {
        self.field = field
        self.message = message
    }

    var description: String { field.map { "\($0): \(message)" } ?? message }
}

/// The form as posted, before it becomes the flow's `ApplicationForm`.
struct UIFormFields: Sendable, Hashable {
    enum Kind: String, Sendable, CaseIterable { case company, individualBusiness }
    var kind: Kind
    var name: String
    var entityType: String
    var representative: String
    /// 万元; nil when left empty (allowed for an individual business).
    var registeredCapitalWan: Decimal?
    var address: String
    var businessScope: String
    var phone: String

    static let keys = [
        "kind", "name", "entityType", "representative", "registeredCapitalWan", "address", "businessScope", "phone",
    ]

    init(_ fields: UIFields) throws(UIEventProblem) {
        try fields.only(Set(Self.keys))
        guard let kindName = try fields.string("kind", required: true),
            let kind = Kind(rawValue: kindName)
        else { throw fields.problem("kind", "expected company or individualBusiness") }
        self.kind = kind
        func text(_ key: String) throws(UIEventProblem) -> String {
            guard let value = try fields.string(key, required: true, maxLength: UIEventRequest.maximumTextLength)
            else { throw fields.problem(key, "missing") }
            return value
        }
        name = try text("name")
        entityType = try text("entityType")
        representative = try text("representative")
        address = try text("address")
        businessScope = try text("businessScope")
        phone = try text("phone")
        registeredCapitalWan = try fields.decimal("registeredCapitalWan")
    }

    init(
        kind: Kind, name: String, entityType: String, representative: String, registeredCapitalWan: Decimal?,
        address: String, businessScope: String, phone: String
    ) {
        self.kind = kind
        self.name = name
        self.entityType = entityType
        self.representative = representative
        self.registeredCapitalWan = registeredCapitalWan
        self.address = address
        self.businessScope = businessScope
        self.phone = phone
    }
}

/// The signature as posted: the canvas's PNG as a data URL, and what the pad measured of the ink.
struct UISignature: Sendable, Hashable {
    var dataURL: String
    var ink: UIInk
}

/// What the signature pad measured: sampled points and the ink's bounding box, in canvas pixels.
struct UIInk: Sendable, Hashable {
    var points: Int
    var boundsWidth: Double
    var boundsHeight: Double
    var canvasWidth: Double
    var canvasHeight: Double

    init(points: Int, boundsWidth: Double, boundsHeight: Double, canvasWidth: Double, canvasHeight: Double) {
        self.points = points
        self.boundsWidth = boundsWidth
        self.boundsHeight = boundsHeight
        self.canvasWidth = canvasWidth
        self.canvasHeight = canvasHeight
    }

    init(_ fields: UIFields) throws(UIEventProblem) {
        try fields.only(["points", "boundsWidth", "boundsHeight", "canvasWidth", "canvasHeight"])
        func number(_ key: String) throws(UIEventProblem) -> Double {
            guard let value = try fields.number(key, in: 0...100_000) else { throw fields.problem(key, "missing") }
            return value
        }
        guard let points = try fields.wholeNumber("points", in: 0...10_000_000) else {
            throw fields.problem("points", "missing")
        }
        self.points = points
        boundsWidth = try number("boundsWidth")
        boundsHeight = try number("boundsHeight")
        canvasWidth = try number("canvasWidth")
        canvasHeight = try number("canvasHeight")
        guard canvasWidth >= 1 else { throw fields.problem("canvasWidth", "must be at least 1") }
        guard canvasHeight >= 1 else { throw fields.problem("canvasHeight", "must be at least 1") }
    }
}

/// 好差评 as posted: a grade 5 (非常满意) … 1 (非常不满意), and for grades 1–2 the reasons and the follow-up consent.
struct UIRating: Sendable, Hashable {
    enum Reason: String, Sendable, CaseIterable {
        case efficiency, attitude, deviceFault, complexity, other
    }
    var grade: Int
    var reasons: [Reason]
    /// Whether the body had `reasons` at all (an empty list counts).
    var reasonsGiven: Bool
    var followUpConsent: Bool?
}

/// One object's fields with typed getters whose errors name the field by its path.
struct UIFields: Sendable {
    let object: [String: JSONValue]
    let path: String

    init(_ object: [String: JSONValue], path: String) {
        self.object = object
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func problem(_ key: String, _ message: String) -> UIEventProblem { UIEventProblem(field: name(key), message) }

    /// Refuses any key not in `allowed`, naming the first (in sorted order; a long one cut to 40 characters, an empty
    /// one as `""`).
    func only(_ allowed: Set<String>) throws(UIEventProblem) {
        if let extra = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            let shown = extra.isEmpty ? "\"\"" : extra.count > 40 ? extra.prefix(40) + "…" : extra
            throw problem(shown, "unknown field")
        }
    }

    private func present(_ key: String) -> JSONValue? {
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    func string(_ key: String, required: Bool = false, maxLength: Int = 64) throws(UIEventProblem) -> String? {
        guard let value = present(key) else {
            if required { throw problem(key, "missing; expected a string") }
            return nil
        }
        guard case .string(let text) = value else { throw problem(key, "expected a string, got \(value.kind)") }
        guard text.unicodeScalars.count <= maxLength else {
            throw problem(key, "longer than \(maxLength) characters")
        }
        return text
    }

    func bool(_ key: String) throws(UIEventProblem) -> Bool? {
        guard let value = present(key) else { return nil }
        guard case .bool(let flag) = value else { throw problem(key, "expected true or false, got \(value.kind)") }
        return flag
    }

    func number(_ key: String, in range: ClosedRange<Double>) throws(UIEventProblem) -> Double? {
        guard let value = present(key) else { return nil }
        guard case .number(let number, _) = value else { throw problem(key, "expected a number, got \(value.kind)") }
        guard number.isFinite, range.contains(number) else {
            throw problem(key, "expected a number in \(range.lowerBound)…\(range.upperBound)")
        }
        return number
    }

    func wholeNumber(_ key: String, in range: ClosedRange<Int>) throws(UIEventProblem) -> Int? {
        guard let value = present(key) else { return nil }
        let expected = "expected a whole number in \(range.lowerBound)…\(range.upperBound)"
        guard case .number(let number, _) = value else { throw problem(key, "\(expected), got \(value.kind)") }
        guard number.isFinite, number.rounded() == number, number >= Double(range.lowerBound),
            number <= Double(range.upperBound)
        else { throw problem(key, expected) }
        return Int(number)
    }

    func decimal(_ key: String) throws(UIEventProblem) -> Decimal? {
        guard let value = present(key) else { return nil }
        guard case .number(let number, let exact) = value, number.isFinite else {
            throw problem(key, "expected a number (万元) or null, got \(value.kind)")
        }
        return exact ?? Decimal(number)
    }

    func object(_ key: String) throws(UIEventProblem) -> UIFields? {
        guard let value = present(key) else { return nil }
        guard case .object(let inner) = value else { throw problem(key, "expected an object, got \(value.kind)") }
        return UIFields(inner, path: name(key))
    }

    func strings(_ key: String, maxCount: Int) throws(UIEventProblem) -> [String]? {
        guard let value = present(key) else { return nil }
        guard case .array(let items) = value else { throw problem(key, "expected a list, got \(value.kind)") }
        guard items.count <= maxCount else { throw problem(key, "more than \(maxCount) items") }
        var texts: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item else {
                throw UIEventProblem(field: "\(name(key))[\(index)]", "expected a string, got \(item.kind)")
            }
            texts.append(text)
        }
        return texts
    }
}

/// A JSON value as JSONDecoder reads it: booleans and numbers stay apart (`1` is not `true`).
indirect enum JSONValue: Sendable, Hashable, Decodable {
    case null
    case bool(Bool)
    /// The number, and its exact decimal value when JSONDecoder could read one.
    case number(Double, Decimal?)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The deepest nesting of arrays and objects taken (checked on the bytes, before decoding).
    static let maximumDepth = 8

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number, try? container.decode(Decimal.self))
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let items = try? container.decode([JSONValue].self) {
            self = .array(items)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }

    /// How deep arrays and objects nest in `bytes`, counting only brackets outside strings. Malformed input gives
    /// some number; the decoder refuses it afterwards.
    static func nestingDepth(of bytes: [UInt8]) -> Int {
        var depth = 0
        var deepest = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
        return deepest
    }
}
