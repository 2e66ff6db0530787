import Foundation
import KioskCore
import KioskStore

/// A rules-based registration authority for simulation and benches: it checks the form and the applicant again,
/// and approves by allocating the next unified social credit code from the configured block. It can be set to
/// reject or to be unavailable, so the flow's other paths can be driven.
///
/// Idempotent on the transaction id, across restarts: an approval is stored in the store before it is returned, and
/// a repeat request for the same transaction gets the stored licence back (same credit code). Rejections are judged
/// afresh each time (the citizen may correct the form). The store's calls go through the store lane, off the actor's
/// executor and the cooperative pool.
public actor EmbeddedAuthority: RegistrationAuthority {
    public var mode: AuthorityConfig.Mode
    private let config: AuthorityConfig
    private let store: StoreLane

    /// `store` keeps the code sequence (its counters, under a category of its own) and the approvals given.
    public init(config: AuthorityConfig, store: StoreLane) {
        self.config = config
        self.mode = config.embeddedMode
        self.store = store
    }

    public func setMode(_ mode: AuthorityConfig.Mode) { self.mode = mode }

    public func approve(_ request: ApprovalRequest) async -> ApprovalOutcome {
        if mode == .unavailable {
            return .unavailable(reason: "the registration authority is not reachable (simulated outage)")
        }
        let transactionID = request.transactionID
        let stored: BusinessLicence?
        do {
            stored = try await store.run { try $0.authorityApproval(transactionID: transactionID) }
        } catch {
            return .unavailable(reason: "cannot read the decisions already given: \(error)")
        }
        // A decided application is not decided again: the same licence, whatever the mode or the form says now.
        if let stored { return .approved(stored) }
        if mode == .reject {
            return .rejected(reasons: ["名称与已登记市场主体重复 / the name is already registered"])
        }
        let issues = FormValidator.issues(in: request.form)
        guard issues.isEmpty else { return .rejected(reasons: issues.map(\.description)) }
        let refusals = IdentityEligibility.refusals(for: request.identity, today: request.date)
        guard refusals.isEmpty else { return .rejected(reasons: refusals.map(\.description)) }
        let category = "uscc-\(config.creditCodePrefix)"
        let sequence: Int
        do {
            // One durable sequence per code block; the day is fixed so it never resets.
            sequence = try await store.run { try $0.next(category: category, day: CivilDate(daysSinceEpoch: 0)) }
        } catch {
            return .unavailable(reason: "cannot allocate a credit code: \(error)")
        }
        guard let code = Self.creditCode(prefix: config.creditCodePrefix, sequence: sequence) else {
            return .unavailable(reason: "the credit code block \(config.creditCodePrefix) is exhausted")
        }
        let form = request.form
        let licence = BusinessLicence(
            creditCode: code, name: form.name.trimmed, entityType: form.entityType.trimmed,
            representative: request.identity.name.unmasked, kind: form.kind,
            registeredCapital: form.registeredCapitalWan.map { "\($0)万元人民币" } ?? "",
            establishedOn: request.date, businessTermFrom: request.date, businessTermUntil: .longTerm,
            address: form.address.unmasked.trimmed, businessScope: form.businessScope.trimmed,
            registrationAuthority: config.registrationAuthority, issuedOn: request.date,
            qrPayload: config.licenceURLBase + code)
        do {
            // Durable before it is returned; if another request for the transaction won the race, its licence stands
            // (the code allocated here stays unused: a gap in the block, never a second licence).
            let standing = try await store.run {
                try $0.recordAuthorityApproval(transactionID: transactionID, licence: licence)
            }
            return .approved(standing)
        } catch {
            return .unavailable(reason: "cannot record the approval: \(error)")
        }
    }

    /// The credit code for `sequence` in a block: the 8-character prefix, an organisation code "MA" + 6 digits with
    /// its GB 11714 check character, then the GB 32100 check character. Nil past 999,999.
    public static func creditCode(prefix: String, sequence: Int) -> String? {
        guard prefix.count == 8, (0...999_999).contains(sequence) else { return nil }
        let digits = String(sequence)
        let body = "MA" + String(repeating: "0", count: 6 - digits.count) + digits
        for check in "0123456789X" where CreditCodeValidator.organisationCodeIsValid(Array(body) + [check]) {
            return CreditCodeValidator.complete(prefix + body + String(check))
        }
        return nil
    }
}
