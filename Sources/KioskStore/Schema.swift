/// The store's schema as a list of steps; version N is steps 1...N applied in order. A step is never edited once
/// released: change the schema by appending one. Times are Unix milliseconds (UTC) in `*_ms` INTEGER columns, local
/// days as `YYYY-MM-DD` text.
public enum Schema {
    /// One step from version `version - 1` to `version`.
    public struct Step: Sendable {
        public let version: Int
        public let summary: String
        public let sql: String
    }

    /// The newest version this code knows.
    public static var latestVersion: Int { steps.count }

    public static let steps: [Step] = [
        Step(
            version: 1, summary: "transactions, outbox, audit, queue counters",
            sql: """
                CREATE TABLE schema_version (
                    version INTEGER PRIMARY KEY NOT NULL,
                    applied_at_ms INTEGER NOT NULL,
                    summary TEXT NOT NULL
                );
                -- One row per ended transaction: the queried fields as columns, the whole record (never a photo) as JSON.
                CREATE TABLE transactions (
                    id TEXT PRIMARY KEY NOT NULL,
                    kiosk_id TEXT NOT NULL,
                    started_at_ms INTEGER NOT NULL,
                    ended_at_ms INTEGER,
                    outcome TEXT NOT NULL CHECK (outcome IN ('completed', 'handedOff', 'cancelled')),
                    outcome_reason TEXT,
                    credit_code TEXT,
                    licence_job_id INTEGER,
                    queue_ticket TEXT,
                    rating TEXT,
                    recorded_at_ms INTEGER NOT NULL,
                    record_json TEXT NOT NULL
                );
                CREATE INDEX transactions_outcome ON transactions (outcome);
                -- What the central server pulls: AUTOINCREMENT so a seq is never reused, even after deletes.
                CREATE TABLE outbox (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    transaction_id TEXT NOT NULL UNIQUE REFERENCES transactions (id),
                    payload TEXT NOT NULL,
                    created_at_ms INTEGER NOT NULL,
                    acked_at_ms INTEGER
                );
                CREATE TABLE audit (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at_ms INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    detail TEXT NOT NULL
                );
                CREATE TABLE queue_counters (
                    category TEXT NOT NULL,
                    day TEXT NOT NULL,
                    last_number INTEGER NOT NULL,
                    PRIMARY KEY (category, day)
                ) WITHOUT ROWID;
                """),
        Step(
            version: 2, summary: "session checkpoint and licence print journal",
            sql: """
                -- At most one in-flight session per terminal (slot 1); its state is an opaque JSON blob without a photo.
                CREATE TABLE session_checkpoint (
                    slot INTEGER PRIMARY KEY CHECK (slot = 1),
                    session_id TEXT NOT NULL,
                    state BLOB NOT NULL,
                    saved_at_ms INTEGER NOT NULL
                );
                -- Written before any byte goes to the printer, so a crash can never lead to a silent second print.
                CREATE TABLE licence_jobs (
                    job_uuid TEXT PRIMARY KEY NOT NULL,
                    transaction_id TEXT NOT NULL,
                    intended_at_ms INTEGER NOT NULL,
                    cups_job_id INTEGER,
                    submitted_at_ms INTEGER,
                    outcome TEXT CHECK (outcome IN ('completed', 'failed', 'unknown')),
                    outcome_reason TEXT,
                    outcome_at_ms INTEGER,
                    reprint_authorised_by TEXT
                );
                CREATE INDEX licence_jobs_transaction ON licence_jobs (transaction_id);
                """),
        Step(
            version: 3, summary: "retention: personal-data purge marker and acked index",
            sql: """
                ALTER TABLE transactions ADD COLUMN personal_purged_at_ms INTEGER;
                CREATE INDEX outbox_acked ON outbox (acked_at_ms) WHERE acked_at_ms IS NOT NULL;
                CREATE INDEX outbox_pending ON outbox (seq) WHERE acked_at_ms IS NULL;
                """),
        Step(
            version: 4, summary: "registration authority decisions, one approval per transaction",
            sql: """
                -- The approval given to a transaction, stored before it is used, and returned again on a repeat
                -- request (a resumed session, a restart). One credit code per transaction and one transaction per code.
                CREATE TABLE authority_decisions (
                    transaction_id TEXT PRIMARY KEY NOT NULL,
                    credit_code TEXT NOT NULL UNIQUE,
                    decision_json TEXT NOT NULL,
                    decided_at_ms INTEGER NOT NULL
                );
                CREATE INDEX authority_decisions_decided ON authority_decisions (decided_at_ms);
                """),
        Step(
            version: 5, summary: "好差评 in five grades with reasons and follow-up consent; the signature image",
            sql: """
                -- The three-valued rating (good, average, bad) becomes the national five grades (5, 3, 1), in the
                -- columns and in the stored JSON alike.
                ALTER TABLE transactions ADD COLUMN rating_grade INTEGER CHECK (rating_grade BETWEEN 1 AND 5);
                -- Comma-separated reason codes (efficiency, attitude, deviceFault, complexity, other), grades 1-2 only.
                ALTER TABLE transactions ADD COLUMN rating_reasons TEXT;
                ALTER TABLE transactions ADD COLUMN follow_up_consent INTEGER CHECK (follow_up_consent IN (0, 1));
                UPDATE transactions SET
                    rating_grade = CASE rating WHEN 'good' THEN 5 WHEN 'average' THEN 3 WHEN 'bad' THEN 1 END,
                    follow_up_consent = 0
                WHERE rating IN ('good', 'average', 'bad');
                UPDATE transactions SET record_json = json_set(record_json, '$.rating', json_object(
                    'followUpConsent', json('false'), 'grade', CASE json_extract(record_json, '$.rating')
                        WHEN 'good' THEN 5 WHEN 'average' THEN 3 ELSE 1 END, 'reasons', json_array()))
                WHERE json_valid(record_json) AND json_extract(record_json, '$.rating') IN ('good', 'average', 'bad');
                UPDATE outbox SET payload = json_set(payload, '$.rating', json_object(
                    'followUpConsent', json('false'), 'grade', CASE json_extract(payload, '$.rating')
                        WHEN 'good' THEN 5 WHEN 'average' THEN 3 ELSE 1 END, 'reasons', json_array()))
                WHERE json_valid(payload) AND json_extract(payload, '$.rating') IN ('good', 'average', 'bad');
                ALTER TABLE transactions DROP COLUMN rating;
                -- The signature PNG: kept with the in-flight session (and removed with its checkpoint), then moved into
                -- its transaction's row by the same SQLite transaction that records it; purged by retention.
                ALTER TABLE session_checkpoint ADD COLUMN signature_sha256 TEXT;
                ALTER TABLE session_checkpoint ADD COLUMN signature_png BLOB;
                ALTER TABLE transactions ADD COLUMN signature_png BLOB;
                """),
        Step(
            version: 6, summary: "the outbox keeps each transaction's CloudEvent as rendered when it was recorded",
            sql: """
                -- The event the pull API serves and the pusher sends, rendered once in the SQLite transaction that
                -- records (or purges) the transaction, `seq` included (docs/ARCHITECTURE.md §15). A table of its own:
                -- an acknowledgement updates the outbox row, and must not rewrite a few KiB of event with it.
                CREATE TABLE outbox_events (
                    seq INTEGER PRIMARY KEY NOT NULL REFERENCES outbox (seq),
                    event BLOB NOT NULL
                );
                -- Entries without a stored event — those already here, and those a store without a renderer writes
                -- or purges — until `renderMissingEvents` renders them; until then readers render them as they read.
                CREATE TABLE outbox_unrendered (seq INTEGER PRIMARY KEY NOT NULL REFERENCES outbox (seq));
                INSERT INTO outbox_unrendered (seq) SELECT seq FROM outbox;
                """),
    ]
}
