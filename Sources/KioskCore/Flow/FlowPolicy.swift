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
        timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai") ?? .current
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
    }

    public static let defaultTimeouts: [FlowStepName: Duration] = [
        .awaitingCard: .seconds(120),
        .verifyingIdentity: .seconds(90),
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
