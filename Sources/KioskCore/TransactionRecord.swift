import Foundation

/// 好差评 — the five grades of the national rules for rating government services, stored as 5…1.
public enum ServiceGrade: Int, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// 非常不满意.
    case veryDissatisfied = 1
    /// 不满意.
    case dissatisfied = 2
    /// 基本满意.
    case fairlySatisfied = 3
    /// 满意.
    case satisfied = 4
    /// 非常满意.
    case verySatisfied = 5

    /// The grade's words on the screen and in reports.
    public var chinese: String {
        switch self {
        case .veryDissatisfied: "非常不满意"
        case .dissatisfied: "不满意"
        case .fairlySatisfied: "基本满意"
        case .satisfied: "满意"
        case .verySatisfied: "非常满意"
        }
    }

    /// 不满意 and 非常不满意: the grades that may say why and ask for a follow-up call.
    public var isDissatisfied: Bool { rawValue <= 2 }

    public static func < (a: ServiceGrade, b: ServiceGrade) -> Bool { a.rawValue < b.rawValue }
}

/// Why a citizen was dissatisfied (the reasons offered with 不满意 / 非常不满意).
public enum RatingReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// 办事效率.
    case efficiency
    /// 服务态度.
    case attitude
    /// 设备故障.
    case deviceFault
    /// 操作复杂.
    case complexity
    /// 其他.
    case other

    public var chinese: String {
        switch self {
        case .efficiency: "办事效率"
        case .attitude: "服务态度"
        case .deviceFault: "设备故障"
        case .complexity: "操作复杂"
        case .other: "其他"
        }
    }
}

/// 好差评 — the citizen's rating of one transaction: a grade and, for a dissatisfied one, the reasons and whether
/// they agree to a follow-up call (回访) at the phone number of their form.
public struct ServiceRating: Sendable, Hashable, Codable {
    public var grade: ServiceGrade
    /// In `RatingReason.allCases` order, without repeats; empty unless the grade is dissatisfied.
    public var reasons: [RatingReason]
    public var followUpConsent: Bool

    public init(grade: ServiceGrade, reasons: [RatingReason] = [], followUpConsent: Bool = false) {
        self.grade = grade
        self.reasons = RatingReason.allCases.filter(reasons.contains)
        self.followUpConsent = followUpConsent
    }

    /// Why this rating cannot be given, or nil: reasons and a follow-up call belong to dissatisfied grades only.
    public var refusal: String? {
        guard !grade.isDissatisfied else { return nil }
        if !reasons.isEmpty { return "reasons are given only with 不满意 or 非常不满意 (grade 1 or 2)" }
        if followUpConsent { return "a follow-up call (回访) is offered only with 不满意 or 非常不满意 (grade 1 or 2)" }
        return nil
    }

    private enum CodingKeys: String, CodingKey { case grade, reasons, followUpConsent }

    /// Also reads the three-valued rating stored before the five grades (`"good"`, `"average"`, `"bad"` → 5, 3, 1),
    /// so records written by an older kioskd still decode.
    public init(from decoder: any Decoder) throws {
        if let legacy = try? decoder.singleValueContainer().decode(String.self) {
            switch legacy {
            case "good": self.init(grade: .verySatisfied)
            case "average": self.init(grade: .fairlySatisfied)
            case "bad": self.init(grade: .veryDissatisfied)
            default:
                throw DecodingError.dataCorrupted(
                    DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "unknown rating"))
            }
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            grade: try c.decode(ServiceGrade.self, forKey: .grade),
            reasons: try c.decodeIfPresent([RatingReason].self, forKey: .reasons) ?? [],
            followUpConsent: try c.decodeIfPresent(Bool.self, forKey: .followUpConsent) ?? false)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(grade, forKey: .grade)
        try c.encode(reasons, forKey: .reasons)
        try c.encode(followUpConsent, forKey: .followUpConsent)
    }
}

/// How a print ended, as the drivers report it.
public enum PrintOutcome: Sendable, Hashable, Codable {
    case completed
    case failed(reason: String)
    /// Bytes were sent but the result is not known (timeout, crash mid-job). Never reprinted automatically.
    case unknown(reason: String)
}

/// How a transaction ended.
public enum TransactionOutcome: Sendable, Hashable, Codable {
    /// The licence printed and the transaction is complete.
    case completed
    /// 办不成事 — sent to a staffed window with a reason (and usually a queue ticket).
    case handedOff(reason: String)
    /// Cancelled by the citizen, a timeout, or a refusal, with a reason code.
    case cancelled(reason: String)
}

/// One citizen's transaction as kept by the store and collected by the central server.
/// Holds the identity fields registration needs, never the photo; the signature only as a hash.
public struct TransactionRecord: Sendable, Hashable, Codable {
    public var id: String
    public var kioskID: String
    public var startedAt: Date
    public var identityVerifiedAt: Date?
    public var formSubmittedAt: Date?
    public var signedAt: Date?
    public var approvedAt: Date?
    public var licencePrintedAt: Date?
    public var endedAt: Date?
    public var outcome: TransactionOutcome?
    public var cardType: CardType?
    public var applicantName: PersonalText?
    public var applicantIDNumber: PersonalText?
    public var form: ApplicationForm?
    /// SHA-256 of the signature image, hex.
    public var signatureSHA256: String?
    public var licence: BusinessLicence?
    /// The CUPS job the licence went out as, and how it ended.
    public var licenceJobID: Int?
    public var licencePrint: PrintOutcome?
    public var receiptPrint: PrintOutcome?
    /// 好差评, when the citizen rated (after a completed or a handed-off transaction; never after a cancelled one).
    public var rating: ServiceRating?
    /// The queue number issued on hand-off, e.g. `A023`.
    public var queueTicket: String?
    /// The face comparison of 身份证比对 when it was required: the last decision, its score and the attempts, never
    /// the image (docs/face-verification.md). Absent in records written before it, and with the comparison off.
    public var faceVerification: FaceVerificationSummary?

    public init(id: String, kioskID: String, startedAt: Date) {
        self.id = id
        self.kioskID = kioskID
        self.startedAt = startedAt
    }
}
