import Foundation
import KioskCore
import KioskHTTP

/// The `data` of a `kioskd.transaction.v1` event: the transaction as the centre registers it. Personal fields are
/// given in full (this travels only over TLS, to the holder of a pull token); once retention has removed them, the
/// record says `"personalDataPurged": true` instead of carrying them. The signature image (PNG, base64) travels with
/// its hash, like the other personal fields, until retention purges it.
enum TransactionEventData {
    /// `record` as a JSON object (sorted keys). `purged` is the store's purge marker; `signaturePNG` the image kept
    /// with the transaction.
    static func json(_ record: TransactionRecord, purged: Bool, signaturePNG: Data? = nil) -> String {
        var out = JSONBytes()
        append(record, purged: purged, signaturePNG: signaturePNG, to: &out)
        return out.string
    }

    /// Written member by member in sorted key order, escaped as `JSONSerialization` escapes (the bytes it wrote from
    /// a dictionary before; a dictionary per record and per nested object was most of an event's cost).
    static func append(_ record: TransactionRecord, purged: Bool, signaturePNG: Data? = nil, to out: inout JSONBytes) {
        var first = true
        out.raw("{")
        if purged {
            if let cardType = record.cardType {
                out.key("applicant", first: &first)
                out.raw("{\"cardType\":")
                out.string(cardType.rawValue)
                out.raw("}")
            }
        } else if record.cardType != nil || record.applicantName != nil || record.applicantIDNumber != nil {
            out.key("applicant", first: &first)
            var inner = true
            out.raw("{")
            if let cardType = record.cardType {
                out.key("cardType", first: &inner)
                out.string(cardType.rawValue)
            }
            if let number = record.applicantIDNumber {
                out.key("idNumber", first: &inner)
                out.string(number.unmasked)
            }
            if let name = record.applicantName {
                out.key("name", first: &inner)
                out.string(name.unmasked)
            }
            out.raw("}")
        }
        if let face = record.faceVerification {
            out.key("faceVerification", first: &first)
            appendFace(face, to: &out)
        }
        if let form = record.form {
            out.key("form", first: &first)
            var inner = true
            out.raw("{")
            if !purged {
                out.key("address", first: &inner)
                out.string(form.address.unmasked)
            }
            out.key("businessScope", first: &inner)
            out.string(form.businessScope)
            out.key("entityType", first: &inner)
            out.string(form.entityType)
            out.key("kind", first: &inner)
            out.string(form.kind.rawValue)
            out.key("name", first: &inner)
            out.string(form.name)
            if !purged {
                out.key("phone", first: &inner)
                out.string(form.phone.unmasked)
            }
            if let capital = form.registeredCapitalWan {
                out.key("registeredCapitalWan", first: &inner)
                out.raw(capital.description)
            }
            if !purged {
                out.key("representative", first: &inner)
                out.string(form.representative.unmasked)
            }
            out.raw("}")
        }
        out.key("id", first: &first)
        out.string(record.id)
        out.key("kioskID", first: &first)
        out.string(record.kioskID)
        if let licence = record.licence, case .completed? = record.outcome {
            out.key("licence", first: &first)
            appendLicence(licence, to: &out)
        }
        if let print = record.licencePrint {
            out.key("licencePrint", first: &first)
            appendPrint(print, to: &out)
        }
        let reason: String?
        switch record.outcome {
        case .completed?:
            out.key("outcome", first: &first)
            out.string("completed")
            reason = nil
        case .handedOff(let why)?:
            out.key("outcome", first: &first)
            out.string("handedOff")
            reason = why
        case .cancelled(let why)?:
            out.key("outcome", first: &first)
            out.string("cancelled")
            reason = why
        case nil: reason = nil
        }
        if purged {
            out.key("personalDataPurged", first: &first)
            out.raw("true")
        }
        if let ticket = record.queueTicket {
            out.key("queueTicket", first: &first)
            out.string(ticket)
        }
        if let rating = record.rating {
            out.key("rating", first: &first)
            out.raw("{\"followUpConsent\":")
            out.raw(rating.followUpConsent ? "true" : "false")
            out.raw(",\"grade\":")
            out.raw(String(rating.grade.rawValue))
            out.raw(",\"reasons\":[")
            for (index, reason) in rating.reasons.enumerated() {
                if index > 0 { out.raw(",") }
                out.string(reason.rawValue)
            }
            out.raw("]}")
        }
        if let reason {
            out.key("reason", first: &first)
            out.string(reason)
        }
        if let print = record.receiptPrint {
            out.key("receiptPrint", first: &first)
            appendPrint(print, to: &out)
        }
        if !purged, let hash = record.signatureSHA256 {
            out.key("signature", first: &first)
            out.raw("{")
            if let png = signaturePNG {
                out.raw("\"image\":")
                out.string(png.base64EncodedString())
                out.raw(",\"mediaType\":")
                out.string(SignatureImage.mediaType)
                out.raw(",")
            }
            out.raw("\"sha256\":")
            out.string(hash)
            out.raw("}")
        }
        out.key("times", first: &first)
        var inner = true
        out.raw("{")
        let steps: [(String, Date?)] = [
            ("approvedAt", record.approvedAt), ("endedAt", record.endedAt), ("formSubmittedAt", record.formSubmittedAt),
            ("identityVerifiedAt", record.identityVerifiedAt), ("licencePrintedAt", record.licencePrintedAt),
            ("signedAt", record.signedAt), ("startedAt", record.startedAt),
        ]
        for (key, date) in steps {
            if let date {
                out.key(key, first: &inner)
                out.string(PullAPI.rfc3339(date))
            }
        }
        out.raw("}")
        out.raw("}")
    }

    /// The licence in its own JSON keys (`creditCode`, `name`, …), those of `kioskctl direct print-licence` and of
    /// `BusinessLicence`'s coding, in sorted key order and escaped as `JSONSerialization` writes them — written
    /// directly: encoding it with `JSONEncoder` and re-sorting it through `JSONSerialization` cost four times the
    /// rest of the event.
    private static func appendLicence(_ licence: BusinessLicence, to out: inout JSONBytes) {
        var first = true
        out.raw("{")
        let representativeKey = licence.kind == .company ? "legalRepresentative" : "operator"
        let members: [(String, String)] = [
            ("address", licence.address), ("businessScope", licence.businessScope),
            ("businessTermFrom", licence.businessTermFrom.description),
            ("businessTermUntil", licence.businessTermUntil.description), ("creditCode", licence.creditCode),
            ("entityType", licence.entityType), ("establishedOn", licence.establishedOn.description),
            ("issuedOn", licence.issuedOn.description), (representativeKey, licence.representative),
            ("name", licence.name), ("qrPayload", licence.qrPayload), ("registeredCapital", licence.registeredCapital),
            ("registrationAuthority", licence.registrationAuthority),
        ]
        for (key, value) in members.sorted(by: { $0.0 < $1.0 }) {
            out.key(key, first: &first)
            out.string(value)
        }
        out.raw("}")
    }

    /// The face comparison as the record keeps it: decision, score (when the centre gave one) and attempts — no
    /// image, nothing personal, so it stays after retention.
    private static func appendFace(_ face: FaceVerificationSummary, to out: inout JSONBytes) {
        out.raw("{\"attempts\":")
        out.raw(String(face.attempts))
        out.raw(",\"decision\":")
        out.string(face.decision)
        if let score = face.score, score.isFinite {
            out.raw(",\"score\":")
            out.raw(score.description)
        }
        out.raw("}")
    }

    private static func appendPrint(_ outcome: PrintOutcome, to out: inout JSONBytes) {
        switch outcome {
        case .completed: out.raw("{\"result\":\"completed\"}")
        case .failed(let reason):
            out.raw("{\"reason\":")
            out.string(reason)
            out.raw(",\"result\":\"failed\"}")
        case .unknown(let reason):
            out.raw("{\"reason\":")
            out.string(reason)
            out.raw(",\"result\":\"unknown\"}")
        }
    }
}
