import Foundation
import KioskCore

/// Where a page event becomes a flow event (docs/ui-api.md, "Events"). `sign`, `rate` and `callStaff` each have one
/// function here, on the flow's types of today, so that the flow's coming changes (the image kept with the session,
/// five grades, the staff call) touch one place each.
enum UIEventMapping {
    /// Why an event has no flow event yet.
    struct NotWired: Error, Sendable, Hashable { let detail: String }

    /// A new session under a transaction id allocated as admin.sock's `start` does.
    static func start(kioskID: String, at now: Date, timeZone: TimeZone) -> (event: FlowEvent, transactionID: String) {
        let id = ControlCommands.newTransactionID(kioskID: kioskID, at: now, timeZone: timeZone)
        return (.start(transactionID: id, kioskID: kioskID), id)
    }

    /// The checked PNG's SHA-256 goes to the flow. The image itself is dropped here until the flow runner can keep
    /// it with the session.
    static func sign(png: [UInt8]) -> FlowEvent { .sign(signatureSHA256: SHA256.hex(of: png)) }

    /// Today's flow keeps three values: 5–4 are good, 3 average, 2–1 bad; reasons and consent are not kept yet.
    static func rate(_ rating: UIRating) -> FlowEvent {
        .rate(rating.grade >= 4 ? .good : rating.grade == 3 ? .average : .bad)
    }

    /// The flow has no staff-call event yet: refused as not applicable rather than pretending it was heard.
    static func callStaff() -> Result<FlowEvent, NotWired> {
        .failure(NotWired(detail: "calling staff from the screen is not yet wired to the flow"))
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
