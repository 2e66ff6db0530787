import Foundation
import KioskCore
import KioskIO
import KioskStore

/// A fresh temporary directory with a store path in it, a settable clock, and records with realistic personal data.
/// Tests call `cleanUp()` in a `defer`, so the directory goes even when an expectation fails.
struct StoreFixture {
    let directory: URL
    let clock = ManualClock(Date(unixMilliseconds: 1_763_800_000_000))

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// The store file; its directory is created by the store (nested, to check that too).
    var path: String { directory.appendingPathComponent("state/kiosk.db").path }

    func open(readOnly: Bool = false, maximumBytes: Int64? = nil, eventRenderer: OutboxEventRenderer? = nil)
        throws(StoreError) -> TransactionStore
    {
        let clock = self.clock
        return try TransactionStore.open(
            path: path,
            options: .init(
                readOnly: readOnly, maximumDatabaseBytes: maximumBytes, clock: { clock.now },
                eventRenderer: eventRenderer))
    }

    /// A raw connection on the same file, for what the store does not expose (triggers, file inspection).
    func raw() throws -> SQLiteDatabase {
        let db = try SQLiteDatabase(path: path, access: .readWrite)
        try db.setBusyTimeout(.seconds(5))
        return db
    }

    func cleanUp() { try? FileManager.default.removeItem(at: directory) }

    static let idNumber = "11010519491231002X"
    static let name = "张三丰"
    static let address = "北京市东城区景山前街4号"
    static let phone = "13800138000"

    /// An ended transaction with every personal field filled.
    static func record(_ id: String, outcome: TransactionOutcome = .completed, scope: String = "软件开发；信息技术咨询服务")
        -> TransactionRecord
    {
        let start = Date(unixMilliseconds: 1_763_800_000_123)
        var record = TransactionRecord(id: id, kioskID: "KIOSK-0001", startedAt: start)
        record.identityVerifiedAt = Date(unixMilliseconds: 1_763_800_010_456)
        record.formSubmittedAt = Date(unixMilliseconds: 1_763_800_100_789)
        record.endedAt = Date(unixMilliseconds: 1_763_800_300_001)
        record.outcome = outcome
        record.cardType = .resident
        record.applicantName = PersonalText(name, kind: .name)
        record.applicantIDNumber = PersonalText(idNumber, kind: .idNumber)
        record.form = ApplicationForm(
            kind: .company, name: "北京景山软件有限公司", entityType: "有限责任公司（自然人独资）",
            representative: PersonalText(name, kind: .name), registeredCapitalWan: 100,
            address: PersonalText(address, kind: .address), businessScope: scope,
            phone: PersonalText(phone, kind: .phone))
        record.signatureSHA256 = String(repeating: "ab", count: 32)
        if case .completed = outcome {
            record.licencePrintedAt = Date(unixMilliseconds: 1_763_800_250_000)
            record.licence = BusinessLicence(
                creditCode: "91110101MA01ABCD1X", name: "北京景山软件有限公司", entityType: "有限责任公司（自然人独资）",
                representative: name, kind: .company, registeredCapital: "壹佰万元整",
                establishedOn: CivilDate(year: 2025, month: 11, day: 22) ?? CivilDate(daysSinceEpoch: 0),
                businessTermFrom: CivilDate(year: 2025, month: 11, day: 22) ?? CivilDate(daysSinceEpoch: 0),
                businessTermUntil: .longTerm, address: address, businessScope: scope,
                registrationAuthority: "北京市东城区市场监督管理局",
                issuedOn: CivilDate(year: 2025, month: 11, day: 22) ?? CivilDate(daysSinceEpoch: 0),
                qrPayload: "https://www.gsxt.gov.cn/91110101MA01ABCD1X")
            record.licenceJobID = 17
            record.licencePrint = .completed
            record.receiptPrint = .completed
            record.rating = ServiceRating(grade: .verySatisfied)
        } else {
            record.queueTicket = "A023"
        }
        return record
    }
}

/// A clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date) { current = start }

    var now: Date { lock.withLock { current } }

    func advance(seconds: Double) { lock.withLock { current = current.addingTimeInterval(seconds) } }
}

extension Date {
    init(unixMilliseconds ms: Int64) { self.init(timeIntervalSince1970: Double(ms) / 1000) }

    var unixMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
}

/// The raw bytes of the file, to check what personal data is physically in it.
func fileContains(_ path: String, _ text: String) -> Bool {
    guard let data = FileManager.default.contents(atPath: path) else { return false }
    return data.range(of: Data(text.utf8)) != nil
}
