import Foundation
import KioskCore
import KioskHTTP

/// The `data` of a `kioskd.transaction.v1` event: the transaction as the centre registers it. Personal fields are
/// given in full (this travels only over TLS, to the holder of a pull token); once retention has removed them, the
/// record says `"personalDataPurged": true` instead of carrying them.
enum TransactionEventData {
    /// `record` as a JSON object (sorted keys). `purged` is the store's purge marker.
    static func json(_ record: TransactionRecord, purged: Bool) -> String {
        var data: [String: Any] = ["id": record.id, "kioskID": record.kioskID]
        switch record.outcome {
        case .completed?: data["outcome"] = "completed"
        case .handedOff(let reason)?:
            data["outcome"] = "handedOff"
            data["reason"] = reason
        case .cancelled(let reason)?:
            data["outcome"] = "cancelled"
            data["reason"] = reason
        case nil: break
        }
        var times: [String: Any] = ["startedAt": PullAPI.rfc3339(record.startedAt)]
        let steps: [(String, Date?)] = [
            ("identityVerifiedAt", record.identityVerifiedAt), ("formSubmittedAt", record.formSubmittedAt),
            ("signedAt", record.signedAt), ("approvedAt", record.approvedAt),
            ("licencePrintedAt", record.licencePrintedAt), ("endedAt", record.endedAt),
        ]
        for (key, date) in steps { if let date { times[key] = PullAPI.rfc3339(date) } }
        data["times"] = times

        if purged {
            data["personalDataPurged"] = true
            if let cardType = record.cardType { data["applicant"] = ["cardType": cardType.rawValue] }
        } else {
            var applicant: [String: Any] = [:]
            if let cardType = record.cardType { applicant["cardType"] = cardType.rawValue }
            if let name = record.applicantName { applicant["name"] = name.unmasked }
            if let number = record.applicantIDNumber { applicant["idNumber"] = number.unmasked }
            if !applicant.isEmpty { data["applicant"] = applicant }
            if let hash = record.signatureSHA256 { data["signature"] = ["sha256": hash] }
        }
        if let form = record.form {
            var fields: [String: Any] = [
                "kind": form.kind.rawValue, "name": form.name, "entityType": form.entityType,
                "businessScope": form.businessScope,
            ]
            if let capital = form.registeredCapitalWan {
                fields["registeredCapitalWan"] = NSDecimalNumber(decimal: capital)
            }
            if !purged {
                fields["representative"] = form.representative.unmasked
                fields["address"] = form.address.unmasked
                fields["phone"] = form.phone.unmasked
            }
            data["form"] = fields
        }
        if let licence = record.licence, case .completed? = record.outcome, let object = licenceJSON(licence) {
            data["licence"] = object
        }
        if let print = record.licencePrint { data["licencePrint"] = printJSON(print) }
        if let print = record.receiptPrint { data["receiptPrint"] = printJSON(print) }
        if let rating = record.rating { data["rating"] = rating.rawValue }
        if let ticket = record.queueTicket { data["queueTicket"] = ticket }
        guard let encoded = try? JSONSerialization.data(withJSONObject: data, options: [.sortedKeys]) else {
            return "{\"id\":\(HTTPResponse.jsonString(record.id))}"
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    /// The licence in its own JSON keys (`creditCode`, `name`, …), those of `kioskctl direct print-licence`.
    private static func licenceJSON(_ licence: BusinessLicence) -> Any? {
        guard let data = try? JSONEncoder().encode(licence) else { return nil }
        return try? JSONSerialization.jsonObject(with: data)
    }

    private static func printJSON(_ outcome: PrintOutcome) -> [String: Any] {
        switch outcome {
        case .completed: ["result": "completed"]
        case .failed(let reason): ["result": "failed", "reason": reason]
        case .unknown(let reason): ["result": "unknown", "reason": reason]
        }
    }
}
