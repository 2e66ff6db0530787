import Foundation
import KioskCore

/// Where a page event becomes what the flow runner is sent (docs/ui-api.md, "Events").
enum UIEventMapping {
    /// What one page event asks of the flow runner: an event, or a signature image (which the runner keeps with the
    /// session before it sends the flow the image's SHA-256).
    enum Request: Sendable {
        case event(FlowEvent)
        case signature(png: [UInt8])

        /// For the log: the flow event's name (no payload, so no personal data).
        var name: String {
            switch self {
            case .event(let event): event.name
            case .signature: "sign"
            }
        }
    }

    /// A new session under a transaction id allocated as admin.sock's `start` does; `elderly` is 适老模式.
    static func start(kioskID: String, elderly: Bool, at now: Date, timeZone: TimeZone)
        -> (event: FlowEvent, transactionID: String)
    {
        let id = ControlCommands.newTransactionID(kioskID: kioskID, at: now, timeZone: timeZone)
        return (.start(transactionID: id, kioskID: kioskID, elderly: elderly), id)
    }

    /// The page's rating, already checked by `RatingCheck`, as the flow's five-grade rating; nil for a grade outside
    /// 1…5 (which the check refuses first).
    static func rating(_ rating: UIRating) -> ServiceRating? {
        guard let grade = ServiceGrade(rawValue: rating.grade) else { return nil }
        let reasons = rating.reasons.compactMap { RatingReason(rawValue: $0.rawValue) }
        return ServiceRating(grade: grade, reasons: reasons, followUpConsent: rating.followUpConsent ?? false)
    }

    static func form(_ fields: UIFormFields) -> ApplicationForm {
        ApplicationForm(
            kind: fields.kind == .company ? .company : .individualBusiness, name: fields.name,
            entityType: fields.entityType, representative: PersonalText(fields.representative, kind: .name),
            registeredCapitalWan: fields.registeredCapitalWan,
            address: PersonalText(fields.address, kind: .address), businessScope: fields.businessScope,
            phone: PersonalText(fields.phone, kind: .phone))
    }
}
