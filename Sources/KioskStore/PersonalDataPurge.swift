import KioskCore

/// What retention removes from a transaction record once the central server has had it long enough: the applicant's
/// name and ID number, the personal values of the form (representative, address, phone), the hash of the signature, and
/// the same values printed on the licence. Everything else — ids, times, outcome, credit code, enterprise name, print
/// results, rating, the face comparison's decision and score — stays. The signature image itself is in its own
/// column, which the store's purge empties with this. Pure.
public enum PersonalDataPurge {
    public static func purged(_ record: TransactionRecord) -> TransactionRecord {
        var record = record
        record.applicantName = nil
        record.applicantIDNumber = nil
        record.signatureSHA256 = nil
        if var form = record.form {
            form.representative = PersonalText("", kind: form.representative.kind)
            form.address = PersonalText("", kind: form.address.kind)
            form.phone = PersonalText("", kind: form.phone.kind)
            record.form = form
        }
        if var licence = record.licence {
            licence.representative = ""
            licence.address = ""
            record.licence = licence
        }
        return record
    }
}
