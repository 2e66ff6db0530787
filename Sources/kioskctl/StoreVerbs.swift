import Foundation
import KioskControl

/// `kioskctl history` and `kioskctl outbox`, like `fwupdmgr get-history` and `lpstat -o`.
enum StoreVerbs {
    static func history(_ session: DaemonSession, _ words: [String], _ parsed: Arguments) -> Int32 {
        guard words.isEmpty else { return KioskCtl.usageError("history takes no arguments besides its options") }
        var since: Date?
        if let text = parsed.values["since"] {
            guard let date = ControlDates.parse(text) ?? ControlDates.parse(text + "T00:00:00Z") else {
                return KioskCtl.usageError("--since expects an RFC 3339 time or YYYY-MM-DD, got '\(text.prefix(40))'")
            }
            since = date
        }
        let limit: Int
        do { limit = try parsed.integer("limit") ?? ControlProtocol.defaultHistoryLimit } catch {
            return KioskCtl.usageError(error.description)
        }
        guard (1...ControlProtocol.maximumHistoryLimit).contains(limit) else {
            return KioskCtl.usageError("--limit must be 1–\(ControlProtocol.maximumHistoryLimit)")
        }
        let reply: HistoryReply
        switch session.call(.history(since: since, limit: limit), expecting: HistoryReply.self) {
        case .success(let answer): reply = answer
        case .failure(let exit): return exit.code
        }
        if session.json {
            Console.line(ControlProtocol.encodePretty(reply))
            return ExitCode.ok
        }
        let rows = reply.entries.map { entry in
            [
                ControlDates.format(entry.endedAt ?? entry.startedAt), entry.transactionID, entry.outcome ?? "-",
                entry.applicant ?? "-", entry.idNumber ?? "-", entry.licencePrint ?? "-", entry.queueTicket ?? "-",
            ]
        }
        Console.line(
            Table.render(["ENDED", "TRANSACTION", "OUTCOME", "APPLICANT", "ID NUMBER", "LICENCE", "TICKET"], rows))
        if !reply.audit.isEmpty {
            Console.line("")
            Console.line(
                Table.render(
                    ["AT", "ACTOR", "ACTION", "DETAIL"],
                    reply.audit.map { [ControlDates.format($0.at), $0.actor, $0.action, $0.detail] }))
        }
        return ExitCode.ok
    }

    static func outbox(_ session: DaemonSession) -> Int32 {
        let reply: OutboxReply
        switch session.call(.outbox, expecting: OutboxReply.self) {
        case .success(let answer): reply = answer
        case .failure(let exit): return exit.code
        }
        if session.json {
            Console.line(ControlProtocol.encodePretty(reply))
            return ExitCode.ok
        }
        var rows: [(String, String)] = [
            ("pending", "\(reply.pending)"), ("acked", "\(reply.acked)"), ("last seq", "\(reply.lastSeq)"),
            ("acked up to", "\(reply.ackedUpTo)"),
        ]
        if let since = reply.oldestPendingSince {
            rows.append(("oldest", "\(ControlDates.format(since)) (\(reply.oldestPendingAgeSeconds ?? 0) s ago)"))
        }
        rows.append(
            ("last push", reply.lastPush.map(ControlDates.format) ?? (reply.pushState == nil ? "push off" : "never")))
        if let state = reply.pushState { rows.append(("push state", state)) }
        if let error = reply.pushError { rows.append(("push error", error)) }
        rows.append(("last ack", reply.lastAck.map(ControlDates.format) ?? "never"))
        Console.line(rows.map { Table.pad($0.0, 13) + $0.1 }.joined(separator: "\n"))
        return ExitCode.ok
    }
}
