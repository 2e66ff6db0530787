import Foundation

/// The knobs of the flow, from the daemon's configuration. Defaults suit a hall terminal.
public struct FlowPolicy: Sendable, Hashable, Codable {
    /// How long each citizen-facing step may sit idle before it warns and then cancels.
    public var stepTimeouts: [FlowStepName: Duration]
    /// How long before a timeout the citizen is warned ("still there?").
    public var warningLead: Duration
    /// How long the done / handed-off / cancelled screen stays before the terminal is free again.
    public var endScreen: Duration
    /// Failed reads or refused cards before the citizen is sent to a staffed window.
    public var maximumCardAttempts: Int
    /// Applications the authority may reject before the citizen is sent to a staffed window.
    public var maximumApplicationAttempts: Int
    /// Minimum age of a legal representative / operator.
    public var minimumAge: Int
    /// Queue category printed on the ticket of a hand-off (e.g. "A" for business registration windows).
    public var handOffCategory: String
    /// First retry delay after the store failed to persist a completed transaction; doubles up to `persistRetryCap`.
    public var persistRetry: Duration
    public var persistRetryCap: Duration
    /// The time zone of the hall, for "today" on card validity and age checks.
    public var timeZone: TimeZone
    /// `identity.faceVerification`: whether 身份证比对 compares the face with the card holder's (docs/face-verification.md).
    /// Off by default here, so a policy built in code keeps the older confirm step unless it asks for the comparison.
    public var faceVerification: FaceVerificationMode
    /// Face comparisons the centre may answer `noMatch` before the citizen is sent to a staffed window.
    public var maximumFaceAttempts: Int

    public init(
        stepTimeouts: [FlowStepName: Duration] = FlowPolicy.defaultTimeouts,
        warningLead: Duration = .seconds(20),
        endScreen: Duration = .seconds(15),
        maximumCardAttempts: Int = 3,
        maximumApplicationAttempts: Int = 2,
        minimumAge: Int = IdentityEligibility.defaultMinimumAge,
        handOffCategory: String = "A",
        persistRetry: Duration = .seconds(1),
        persistRetryCap: Duration = .seconds(60),
        timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai") ?? .current,
        faceVerification: FaceVerificationMode = .off, maximumFaceAttempts: Int = 3
    ) {
        self.stepTimeouts = stepTimeouts
        self.warningLead = warningLead
        self.endScreen = endScreen
        self.maximumCardAttempts = maximumCardAttempts
        self.maximumApplicationAttempts = maximumApplicationAttempts
        self.minimumAge = minimumAge
        self.handOffCategory = handOffCategory
        self.persistRetry = persistRetry
        self.persistRetryCap = persistRetryCap
        self.timeZone = timeZone
        self.faceVerification = faceVerification
        self.maximumFaceAttempts = maximumFaceAttempts
    }

    private enum CodingKeys: String, CodingKey {
        case stepTimeouts, warningLead, endScreen, maximumCardAttempts, maximumApplicationAttempts, minimumAge
        case handOffCategory, persistRetry, persistRetryCap, timeZone, faceVerification, maximumFaceAttempts
    }

    /// The face keys came later: a policy encoded without them decodes with the comparison off.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        stepTimeouts = try c.decode([FlowStepName: Duration].self, forKey: .stepTimeouts)
        warningLead = try c.decode(Duration.self, forKey: .warningLead)
        endScreen = try c.decode(Duration.self, forKey: .endScreen)
        maximumCardAttempts = try c.decode(Int.self, forKey: .maximumCardAttempts)
        maximumApplicationAttempts = try c.decode(Int.self, forKey: .maximumApplicationAttempts)
        minimumAge = try c.decode(Int.self, forKey: .minimumAge)
        handOffCategory = try c.decode(String.self, forKey: .handOffCategory)
        persistRetry = try c.decode(Duration.self, forKey: .persistRetry)
        persistRetryCap = try c.decode(Duration.self, forKey: .persistRetryCap)
        timeZone = try c.decode(TimeZone.self, forKey: .timeZone)
        faceVerification = try c.decodeIfPresent(FaceVerificationMode.self, forKey: .faceVerification) ?? .off
        maximumFaceAttempts = try c.decodeIfPresent(Int.self, forKey: .maximumFaceAttempts) ?? 3
    }

    public static let defaultTimeouts: [FlowStepName: Duration] = [
        .awaitingCard: .seconds(120),
        .verifyingIdentity: .seconds(90),
        .capturingFace: .seconds(90),
        // No answer from the identity service in this time counts as unavailable.
        .verifyingFace: .seconds(30),
        .fillingForm: .seconds(600),
        .awaitingSignature: .seconds(180),
        .approving: .seconds(60),
        .printingLicence: .seconds(300),
        .licencePrintProblem: .seconds(600),
        .printingReceipt: .seconds(60),
        .rating: .seconds(30),
    ]

    /// The timeout of `step`; steps without one in the table get two minutes.
    public func timeout(for step: FlowStepName) -> Duration { stepTimeouts[step] ?? .seconds(120) }

    /// The timeout of `step` for a session: doubled in 适老模式 for the steps where the citizen is the one to act.
    public func timeout(for step: FlowStepName, elderly: Bool) -> Duration {
        step.waitsForCitizen && elderly ? timeout(for: step) * 2 : timeout(for: step)
    }

    /// How long before a citizen step's timeout the warning comes: doubled in 适老模式 like the timeout.
    public func warningLead(elderly: Bool) -> Duration { elderly ? warningLead * 2 : warningLead }

    /// The calendar date of `instant` in the hall's time zone.
    public func civilDate(of instant: Date) -> CivilDate {
        let local = instant.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: instant))
        return CivilDate(daysSinceEpoch: Int((local / 86_400).rounded(.down)))
    }
}
