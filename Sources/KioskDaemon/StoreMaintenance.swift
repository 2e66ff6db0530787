import Dispatch
import Foundation
import KioskCore
import KioskStore

/// The store's housekeeping: `PRAGMA quick_check`, the retention purge of personal data and the daily online backup
/// into `stateDirectory/backups`, at start and then once a day.
///
/// Every store call here blocks (a backup or a check reads the whole file), so none runs on the cooperative pool:
/// `lane` carries each pass to a thread of its own (by default a private serial dispatch queue; pass the daemon's
/// store lane instead once there is one). The pass itself (`runPass`) is plain synchronous code over the store.
public final class StoreMaintenance: @unchecked Sendable {
    /// What the maintenance does and how often.
    public struct Settings: Sendable {
        /// Where the daily backups go.
        public var backupDirectory: String
        /// Daily backups kept; 0 = no backups.
        public var keepBackups: Int
        /// How long personal data stays, counted from `retentionAnchor`.
        public var retention: Duration
        /// The instant retention counts from: the end of the transaction, until the central link acknowledges
        /// transactions (then `.acknowledged`).
        public var retentionAnchor: RetentionAnchor
        /// The hall's time zone: a backup is named after the local day.
        public var timeZone: TimeZone
        /// Time between passes.
        public var interval: Duration

        public init(
            backupDirectory: String, keepBackups: Int = 7, retention: Duration = .seconds(30 * 86_400),
            retentionAnchor: RetentionAnchor = .ended,
            timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai") ?? .current,
            interval: Duration = .seconds(86_400)
        ) {
            self.backupDirectory = backupDirectory
            self.keepBackups = keepBackups
            self.retention = retention
            self.retentionAnchor = retentionAnchor
            self.timeZone = timeZone
            self.interval = interval
        }

        /// The settings `config` asks for.
        public init(config: DaemonConfig) {
            self.init(
                backupDirectory: TransactionStore.backupDirectory(inStateDirectory: config.stateDirectory),
                keepBackups: config.backup.keep, retention: config.retention.personalData,
                // With a link to the centre, personal data stays until the centre has it; without one, the end of
                // the transaction is all there is to count from.
                retentionAnchor: config.central.isLinked ? .acknowledged : .ended, timeZone: config.flow.timeZone)
        }
    }

    /// What one pass found and did (for the log, and for `status` once it shows it).
    public struct Report: Sendable, Equatable {
        public var at: Date
        /// Nil when the pass did not check (the first pass: the open just did), else the health reason or "ok".
        public var integrity: String?
        /// The backup file written or kept, nil when backups are off or it failed.
        public var backup: String?
        /// Transactions whose personal data this pass purged.
        public var purged: Int
        /// What went wrong, as health reasons with their messages (no personal data: the store's errors carry none).
        public var problems: [String]
    }

    /// Runs one blocking pass somewhere that is not the cooperative pool, and returns its report.
    public typealias Lane = @Sendable (_ pass: @escaping @Sendable () -> Report) async -> Report

    private let store: TransactionStore
    private let settings: Settings
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let lane: Lane
    private let lock = NSLock()
    private var latest: Report?

    public init(
        store: TransactionStore, settings: Settings, logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
        lane: Lane? = nil
    ) {
        self.store = store
        self.settings = settings
        self.logger = logger
        self.now = now
        self.lane = lane ?? StoreMaintenance.dispatchLane(label: "kioskd.store-maintenance")
    }

    /// The last pass's report.
    public var latestReport: Report? { lock.withLock { latest } }

    /// A lane on a private serial dispatch queue: the pass runs on that queue's thread, the caller awaits it.
    public static func dispatchLane(label: String) -> Lane {
        let queue = DispatchQueue(label: label, qos: .utility)
        return { pass in
            await withCheckedContinuation { continuation in queue.async { continuation.resume(returning: pass()) } }
        }
    }

    /// A pass at once (without the integrity check the open has just made), then one every `settings.interval`
    /// until the task is cancelled.
    public func run() async {
        var checkIntegrity = false
        while !Task.isCancelled {
            _ = await runPass(checkIntegrity: checkIntegrity)
            checkIntegrity = true
            do { try await Task.sleep(for: settings.interval) } catch { return }
        }
    }

    /// One pass on the lane; logs and keeps its report.
    @discardableResult
    public func runPass(checkIntegrity: Bool = true) async -> Report {
        let store = store
        let settings = settings
        let now = now
        let report = await lane {
            Self.pass(store: store, settings: settings, at: now(), checkIntegrity: checkIntegrity)
        }
        lock.withLock { latest = report }
        log(report)
        return report
    }

    /// The blocking pass: check, then (only on a sound store) purge, then back up, so a backup never holds personal
    /// data already due. A damaged store is neither written nor backed up (the rotation would push out the good
    /// backups).
    public static func pass(store: TransactionStore, settings: Settings, at instant: Date, checkIntegrity: Bool)
        -> Report
    {
        var report = Report(at: instant, integrity: nil, backup: nil, purged: 0, problems: [])
        if checkIntegrity {
            do {
                try store.verifyIntegrity()
                report.integrity = "ok"
            } catch {
                report.integrity = error.healthReason ?? "store-error"
                report.problems.append("\(report.integrity ?? ""): \(error)")
                return report
            }
        }
        do {
            report.purged = try store.purgePersonalData(olderThan: settings.retention, from: settings.retentionAnchor)
            // The purged records' old pages (and their stored events) are still frames of the WAL: empty it, so the
            // applicants' data is gone from the disk, not only from the tables (docs/ARCHITECTURE.md §15).
            if report.purged > 0, !(try store.truncateWriteAheadLog()) {
                report.problems.append(
                    "store-busy: the write-ahead log could not be emptied after the purge (a reader held it); "
                        + "SQLite's next checkpoint will")
            }
        } catch {
            report.problems.append("\(error.healthReason ?? "store-error"): \(error)")
        }
        if settings.keepBackups > 0 {
            do {
                let day = QueueNumbering.day(of: instant, in: settings.timeZone)
                report.backup = try store.backUp(into: settings.backupDirectory, day: day, keep: settings.keepBackups)
                    .path
            } catch {
                report.problems.append("\(error.healthReason ?? "store-backup-failed"): \(error)")
            }
        }
        return report
    }

    private func log(_ report: Report) {
        for problem in report.problems {
            logger.error("store", "maintenance: \(problem)")
        }
        var done: [String] = []
        if let integrity = report.integrity { done.append("integrity \(integrity)") }
        if let backup = report.backup { done.append("backup \(backup)") }
        let days = Double(settings.retention.components.seconds) / 86_400
        done.append("retention purged \(report.purged) transaction(s) older than \(days.formatted()) days")
        logger.info("store", "maintenance: " + done.joined(separator: ", "))
    }

    // MARK: - Opening the store at start

    /// Why kioskd cannot start on its store: the health reason (e.g. `store-corrupt`) first, then the store's own
    /// message with its advice.
    public struct StartError: Error, CustomStringConvertible {
        public let reason: String
        public let error: StoreError
        public var description: String { "the store cannot be used (\(reason)): \(error)" }
    }

    /// Opens `stateDirectory/kioskd.db` with the configured size cap; the open runs `quick_check`, so a damaged file
    /// refuses to start with `store-corrupt` and the restore advice. `logger` hears a back-fill of stored events that
    /// failed.
    public static func openStore(config: DaemonConfig, logger: Logger? = nil) throws(StartError) -> TransactionStore {
        do {
            let store = try TransactionStore.open(
                path: TransactionStore.path(inStateDirectory: config.stateDirectory),
                options: .init(
                    maximumDatabaseBytes: config.store.maximumDatabaseBytes,
                    eventRenderer: TransactionEvent.renderer(kioskID: config.kioskID)))
            // Entries recorded before the store kept events (or by a store without the renderer) get theirs now,
            // before anything serves them (docs/ARCHITECTURE.md §15). Should that fail, readers render those entries
            // as they serve them: never a reason not to start.
            do { _ = try store.renderMissingEvents() } catch {
                logger?.warning("store", "stored events not rendered at start (they are rendered as served): \(error)")
            }
            return store
        } catch {
            throw StartError(reason: error.healthReason ?? "store-error", error: error)
        }
    }
}
