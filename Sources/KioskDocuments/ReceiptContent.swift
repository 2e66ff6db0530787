import Foundation
import KioskCore

/// What goes on the receipt (回执) a citizen takes home after the licence prints.
public struct ReceiptContent: Sendable, Hashable {
    public var terminalID: String
    /// When the transaction completed; printed in `timeZone` (the kiosk's local time).
    public var time: Date
    public var timeZone: TimeZone
    /// 业务流水号 — the transaction number.
    public var transactionNumber: String
    /// 申请人 — printed masked (`张*`); the clear value never reaches the printer.
    public var applicant: PersonalText
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

    public init(terminalID: String, time: Date, timeZone: TimeZone, transactionNumber: String, applicant: PersonalText,
                enterpriseName: String, creditCode: String, printedItems: [String], qrPayload: String,
                ratingLine: String = "欢迎扫码对本次服务进行“好差评”") {
        self.terminalID = terminalID
        self.time = time
        self.timeZone = timeZone
        self.transactionNumber = transactionNumber
        self.applicant = applicant
        self.enterpriseName = enterpriseName
        self.creditCode = creditCode
        self.printedItems = printedItems
        self.qrPayload = qrPayload
        self.ratingLine = ratingLine
    }
}

/// `2026-03-01 09:30:15` in the given zone, without locale or formatter state (pure).
enum ReceiptTime {
    static func format(_ date: Date, in timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ v: Int?) -> String { let n = v ?? 0; return n < 10 ? "0\(n)" : "\(n)" }
        return "\(c.year ?? 1970)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute)):\(two(c.second))"
    }
}
