import Foundation
import KioskCore
import KioskIO

extension TransactionStore {
    /// Saves the in-flight session's state (replacing any earlier checkpoint: a terminal serves one citizen at a
    /// time), so the daemon can resume or hand off after a crash. The caller guarantees `state` holds no photo.
    public func saveCheckpoint(sessionID: String, state: Data) throws(StoreError) {
        try Self.checkID(sessionID, "the session id")
        guard state.count <= Self.maximumCheckpointBytes else {
            throw .invalidArgument(
                "the checkpoint of session \(sessionID) has \(state.count) bytes, above the limit of "
                    + "\(Self.maximumCheckpointBytes); a photo must never be in it")
        }
        try writing("save the checkpoint of session \(sessionID)") { db in
            try db.run(
                """
                INSERT INTO session_checkpoint (slot, session_id, state, saved_at_ms) VALUES (1, ?, ?, ?)
                ON CONFLICT (slot) DO UPDATE SET session_id = excluded.session_id, state = excluded.state,
                    saved_at_ms = excluded.saved_at_ms,
                    signature_sha256 = CASE WHEN session_id = excluded.session_id THEN signature_sha256 END,
                    signature_png = CASE WHEN session_id = excluded.session_id THEN signature_png END
                """,
                [.text(sessionID), .blob(state), .integer(nowMilliseconds)])
        }
    }

    /// The saved checkpoint, or nil when no session is in flight.
    public func loadCheckpoint() throws(StoreError) -> SessionCheckpoint? {
        try withDatabase("load the session checkpoint") { db in
            try db.firstRow("SELECT session_id, state, saved_at_ms FROM session_checkpoint WHERE slot = 1") { row in
                SessionCheckpoint(
                    sessionID: row.string(0) ?? "", state: row.data(1) ?? Data(),
                    savedAt: Date(unixMilliseconds: row.int64(2)))
            }
        }
    }

    /// Deletes the checkpoint if it belongs to `sessionID` — how an unfinished session's personal data is wiped
    /// (`secure_delete` overwrites the freed bytes). Returns false when there was none for that session.
    @discardableResult
    public func clearCheckpoint(sessionID: String) throws(StoreError) -> Bool {
        try writing("clear the checkpoint of session \(sessionID)") { db in
            try db.run("DELETE FROM session_checkpoint WHERE session_id = ?", [.text(sessionID)]) > 0
        }
    }
}

extension TransactionStore {
    /// Keeps the signature image with the checkpoint of in-flight session `sessionID` (replacing an earlier one), so
    /// it goes wherever the session goes: into the transaction's row when it is recorded, or away with the
    /// checkpoint. Throws `invalidArgument` when that session has no checkpoint.
    public func saveSignatureImage(_ image: SignatureImage, sessionID: String) throws(StoreError) {
        try Self.checkID(sessionID, "the session id")
        let changed = try writing("keep the signature image of session \(sessionID)") { db in
            try db.run(
                "UPDATE session_checkpoint SET signature_sha256 = ?, signature_png = ? WHERE session_id = ?",
                [.text(image.sha256), .blob(Data(image.png)), .text(sessionID)])
        }
        guard changed > 0 else {
            throw .invalidArgument("session \(sessionID) has no checkpoint to keep the signature image with")
        }
    }

    /// The signature image kept with session `sessionID`, if its hash is `sha256` (an image the flow no longer
    /// names is not returned).
    public func sessionSignatureImage(sessionID: String, sha256: String) throws(StoreError) -> SignatureImage? {
        let png = try withDatabase("read the signature image of session \(sessionID)") { db in
            try db.firstRow(
                "SELECT signature_png FROM session_checkpoint WHERE session_id = ? AND signature_sha256 = ?",
                [.text(sessionID), .text(sha256.lowercased())]
            ) { $0.data(0) }
        }
        return try Self.signatureImage(png.flatMap { $0 }, what: "session \(sessionID)")
    }

    /// Forgets the signature image of session `sessionID` if its hash is `sha256` (the flow refused that signature).
    @discardableResult
    public func discardSignatureImage(sessionID: String, sha256: String) throws(StoreError) -> Bool {
        try writing("discard the signature image of session \(sessionID)") { db in
            try db.run(
                """
                UPDATE session_checkpoint SET signature_sha256 = NULL, signature_png = NULL
                WHERE session_id = ? AND signature_sha256 = ?
                """, [.text(sessionID), .text(sha256.lowercased())]) > 0
        }
    }
}

extension TransactionStore {
    /// Empties the write-ahead log into the main file and truncates it, so a wiped session's personal data is gone
    /// from `-wal` too (`secure_delete` has already zeroed it in the pages). Retries while a reader briefly holds an
    /// old snapshot, for at most `patience`; false if the log could not be emptied by then.
    @discardableResult
    public func truncateWriteAheadLog(patience: Duration = .milliseconds(800)) throws(StoreError) -> Bool {
        let end = ContinuousClock.now + patience
        while true {
            let done = try withDatabase("empty the write-ahead log") { db in try db.checkpointAndTruncateWAL() }
            if done || ContinuousClock.now >= end { return done }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// A trivial read on the writer's connection: the store lane's liveness probe.
    public func ping() throws(StoreError) {
        try withDatabase("ping the store") { db in _ = try db.firstRow("SELECT 1") { $0.int64(0) } }
    }
}
