import KioskCore
import KioskStore

/// The central authority's approvals, kept in the store (`authority_decisions`) through the store lane, so a repeat
/// request after a restart gets the stored licence back without asking the centre again.
struct StoreApprovalRecords: ApprovalRecords {
    let lane: StoreLane

    func approval(transactionID: String) async throws -> BusinessLicence? {
        try await lane.run { try $0.authorityApproval(transactionID: transactionID) }
    }

    func record(transactionID: String, licence: BusinessLicence) async throws -> BusinessLicence {
        try await lane.run { try $0.recordAuthorityApproval(transactionID: transactionID, licence: licence) }
    }
}
