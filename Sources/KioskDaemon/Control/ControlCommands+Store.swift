import Foundation
import KioskControl
import KioskCore
import KioskStore

/// `history` and `outbox`: the store as a technician needs it. Names and ID numbers leave masked; the form's address
/// and phone never leave.
extension ControlCommands {
    func history(since: Date?, limit: Int) -> Reply {
        let store = daemon.statusStore
        do {
            // With `since`, read the newest 1000 and keep the period's; the store keeps far fewer personal records.
            let records = try store.recentTransactions(
                limit: since == nil ? limit : ControlProtocol.maximumHistoryLimit)
            let entries = records.filter { since == nil || ($0.endedAt ?? $0.startedAt) >= since! }.prefix(limit)
            let audit = try store.recentAuditEntries(since: since, limit: limit)
            return HistoryReply(
                entries: entries.map(Self.historyEntry),
                audit: audit.map { AuditReport(at: $0.at, actor: $0.actor, action: $0.action, detail: $0.detail) })
        } catch {
            return self.error("the store could not be read: \(error)")
        }
    }

    static func historyEntry(_ record: TransactionRecord) -> HistoryEntry {
        var entry = HistoryEntry(transactionID: record.id, startedAt: record.startedAt)
        entry.endedAt = record.endedAt
        switch record.outcome {
        case .completed?: entry.outcome = "completed"
        case .handedOff?: entry.outcome = "handedOff"
        case .cancelled?: entry.outcome = "cancelled"
        case nil: break
        }
        entry.cardType = record.cardType?.rawValue
        entry.applicant = record.applicantName?.masked
        entry.idNumber = record.applicantIDNumber?.masked
        entry.licenceNumber = record.licence?.creditCode
        entry.licencePrint = record.licencePrint.map(Self.printText)
        entry.receiptPrint = record.receiptPrint.map(Self.printText)
        entry.queueTicket = record.queueTicket
        entry.rating = record.rating?.grade.rawValue
        return entry
    }

    private static func printText(_ outcome: PrintOutcome) -> String {
        switch outcome {
        case .completed: "completed"
        case .failed(let reason): "failed: \(reason)"
        case .unknown(let reason): "unknown: \(reason)"
        }
    }

    func outbox() -> Reply {
        let summary: OutboxSummary
        do { summary = try daemon.statusStore.outboxSummary() } catch {
            return self.error("the store could not be read: \(error)")
        }
        var reply = OutboxReply(
            pending: summary.pending, acked: summary.acked, lastSeq: summary.lastSeq, ackedUpTo: summary.ackedUpTo)
        reply.oldestPendingSince = summary.oldestPendingAt
        reply.oldestPendingAgeSeconds = summary.oldestPendingAt.map {
            max(0, Int(daemon.clock().timeIntervalSince($0)))
        }
        reply.lastAck = summary.lastAckAt
        if let push = daemon.pusher.map({ ControlJSON(any: $0.status) }) {
            reply.pushState = push["state"]?.stringValue
            reply.lastPush = push["lastSuccess"]?.stringValue.flatMap(ControlDates.parse)
            reply.pushError = push["rejected"]?.stringValue ?? push["lastError"]?.stringValue
        }
        return reply
    }
}
