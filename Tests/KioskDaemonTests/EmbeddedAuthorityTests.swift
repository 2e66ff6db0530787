import Foundation
import KioskCore
import KioskDaemon
import KioskSimulators
import KioskStore
import Testing

/// The embedded authority on a real store file: its approvals survive a restart, so a transaction never gets a second
/// credit code.
@Suite struct EmbeddedAuthorityTests {
    let directory: URL
    var path: String { directory.appendingPathComponent("kioskd.db").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kiosk-authority-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    static func request(_ transactionID: String, name: String = "北京自助示范科技有限公司") -> ApprovalRequest {
        let identity = IDReaderSampleCards.resident
        let form = ApplicationForm(
            kind: .company, name: name, entityType: "有限责任公司（自然人独资）",
            representative: identity.name, registeredCapitalWan: 100,
            address: PersonalText("北京市东城区景山前街4号", kind: .address),
            businessScope: "技术开发、技术咨询；销售电子产品。", phone: PersonalText("13812345678", kind: .phone))
        return ApprovalRequest(
            transactionID: transactionID, identity: identity, form: form,
            date: CivilDate(year: 2026, month: 12, day: 1) ?? CivilDate(daysSinceEpoch: 0))
    }

    static func licence(_ outcome: ApprovalOutcome) -> BusinessLicence? {
        if case .approved(let licence) = outcome { return licence }
        return nil
    }

    /// A restart issued a second credit code for the same application: the approvals were kept in memory only.
    @Test func approve_afterARestart_returnsTheSameCreditCode() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try TransactionStore.open(path: path)
        let before = Self.licence(
            await EmbeddedAuthority(config: AuthorityConfig(), store: StoreLane(first)).approve(Self.request("T-1")))
        first.close()

        let second = try TransactionStore.open(path: path)
        defer { second.close() }
        let authority = EmbeddedAuthority(config: AuthorityConfig(), store: StoreLane(second))
        let after = Self.licence(await authority.approve(Self.request("T-1")))
        let other = Self.licence(await authority.approve(Self.request("T-2")))

        let code = try #require(before?.creditCode)
        #expect(after?.creditCode == code)
        #expect(after == before)
        #expect(other != nil && other?.creditCode != code)
        #expect(try second.authorityApproval(transactionID: "T-1") == before)
    }

    /// A decided application stays decided: a later request with another form gets the licence already given.
    @Test func approve_repeatedWithAnEditedForm_returnsTheFirstLicence() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try TransactionStore.open(path: path)
        defer { store.close() }
        let authority = EmbeddedAuthority(config: AuthorityConfig(), store: StoreLane(store))
        let first = Self.licence(await authority.approve(Self.request("T-1")))
        let again = Self.licence(await authority.approve(Self.request("T-1", name: "北京另一家科技有限公司")))
        #expect(first != nil)
        #expect(again == first)
    }

    /// A rejection is not stored: the citizen corrects the form and asks again under the same transaction id.
    @Test func approve_afterARejectionForTheSameTransaction_judgesAfresh() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try TransactionStore.open(path: path)
        defer { store.close() }
        let authority = EmbeddedAuthority(config: AuthorityConfig(), store: StoreLane(store))
        let rejected = await authority.approve(Self.request("T-1", name: ""))
        guard case .rejected = rejected else {
            Issue.record("expected a rejection of an empty enterprise name, got \(rejected)")
            return
        }
        #expect(try store.authorityApproval(transactionID: "T-1") == nil)
        let approved = Self.licence(await authority.approve(Self.request("T-1")))
        #expect(approved != nil)
        #expect(try store.authorityApproval(transactionID: "T-1") == approved)
    }
}
