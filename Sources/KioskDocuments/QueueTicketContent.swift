import Foundation

/// What goes on a queue ticket (排号票).
public struct QueueTicketContent: Sendable, Hashable {
    /// 业务类别, e.g. `企业登记`.
    public var serviceCategory: String
    /// The queue number, e.g. `A023`.
    public var number: String
    /// 前面等候人数.
    public var peopleWaiting: Int
    /// As printed: `2026-03-01 09:30:15`, local time.
    public var timeText: String
    /// e.g. `请到 3 号窗口办理` or `请留意叫号屏`.
    public var windowHint: String

    public init(
        serviceCategory: String, number: String, peopleWaiting: Int, time: Date, timeZone: TimeZone,
        windowHint: String
    ) {
        self.serviceCategory = serviceCategory
        self.number = number
        self.peopleWaiting = peopleWaiting
        timeText = ReceiptTime.format(time, in: timeZone)
        self.windowHint = windowHint
    }
}
