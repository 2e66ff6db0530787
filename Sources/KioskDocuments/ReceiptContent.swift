import Foundation
import KioskCore

/// What goes on the receipt (回执) a citizen takes home after the licence prints.
public struct ReceiptContent: Sendable, Hashable {
    public var terminalID: String
    /// When the transaction completed, as printed: `2026-03-01 09:30:15` in the kiosk's local time.
    public var timeText: String
    /// 业务流水号 — the transaction number.
    public var transactionNumber: String
    /// 申请人, already masked (`张*`): the clear value never reaches the layout.
    public var applicantMasked: String
    /// 企业名称.
    public var enterpriseName: String
    /// 统一社会信用代码.
    public var creditCode: String
    /// What was printed, one entry per line (`营业执照正本 1 份`).
    public var printedItems: [String]
    /// The QR code's content: the transaction reference, e.g. a status URL.
    public var qrPayload: String
    /// 好差评 — the service-rating invitation.
    public var ratingLine: String

    /// `time` is printed in `timeZone`; `applicant` is masked here, once.
    public init(
        terminalID: String, time: Date, timeZone: TimeZone, transactionNumber: String, applicant: PersonalText,
        enterpriseName: String, creditCode: String, printedItems: [String], qrPayload: String,
        ratingLine: String = "欢迎扫码对本次服务进行“好差评”"
    ) {
        self.terminalID = terminalID
        timeText = ReceiptTime.format(time, in: timeZone)
        self.transactionNumber = transactionNumber
        applicantMasked = applicant.masked
        self.enterpriseName = enterpriseName
        self.creditCode = creditCode
        self.printedItems = printedItems
        self.qrPayload = qrPayload
        self.ratingLine = ratingLine
    }
}

/// `2026-03-01 09:30:15` in the given zone: the zone's offset at that instant, then plain day arithmetic (pure,
/// no formatter or calendar state).
enum ReceiptTime {
    static func format(_ date: Date, in timeZone: TimeZone) -> String {
        let local = Int((date.timeIntervalSince1970).rounded(.down)) + timeZone.secondsFromGMT(for: date)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let second = local - days * 86_400
        let day = CivilDate(daysSinceEpoch: days)
        return "\(day) \(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60))"
    }

    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
