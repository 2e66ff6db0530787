import Foundation
import KioskCore
import KioskDevices
import KioskIO

/// The journal a licence output writes to as it goes, so a crash at any point leaves a trace (the store).
public struct LicenceJournal: Sendable {
    /// Before any byte is sent. Throwing stops the print.
    public var willSend: @Sendable (_ jobUUID: String) async throws -> Void
    /// As soon as the spooler's job id is known.
    public var didCreate: @Sendable (_ jobUUID: String, _ jobID: Int) async throws -> Void

    public init(
        willSend: @escaping @Sendable (String) async throws -> Void,
        didCreate: @escaping @Sendable (String, Int) async throws -> Void
    ) {
        self.willSend = willSend
        self.didCreate = didCreate
    }
}

/// Where licences go: a CUPS queue in production, or (simulation without cupsd) a directory of PDFs.
public protocol LicenceOutput: Sendable {
    /// A one-line description for status and the demo ("cups queue licence on /tmp/.../cups.sock").
    var summary: String { get }
    func health() async -> DeviceHealth
    /// Prints `pdf` as job `jobUUID` and waits (until `deadline`) for how it ended.
    func print(
        pdf: [UInt8], jobUUID: String, reprintOf: Int?, authorisedBy: String?, journal: LicenceJournal,
        deadline: Deadline
    ) async -> PrintOutcome
    /// How job `jobUUID` (spooler id `jobID` when known) ended, without resubmitting it.
    func supervise(jobUUID: String, jobID: Int?, deadline: Deadline) async -> PrintOutcome
}

/// The simulated licence printer used when no cupsd is installed: each licence becomes a PDF file in a directory.
/// Announced loudly at start-up; never used in production configs. Every send is a sheet: a job sent again lands
/// next to the first (`licence-UUID.2.pdf`, ...), never over it, so a test counting files sees a double print.
public final class PDFDirectoryOutput: LicenceOutput, @unchecked Sendable {
    public let directory: URL
    private let lock = NSLock()
    private var nextJobID = 1

    public init(directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
    }

    public var summary: String { "PDF directory \(directory.path) (simulated; no cupsd installed)" }

    public func health() async -> DeviceHealth { DeviceHealth(.ready, reasons: ["simulated-pdf-sink"]) }

    public func print(
        pdf: [UInt8], jobUUID: String, reprintOf: Int?, authorisedBy: String?, journal: LicenceJournal,
        deadline: Deadline
    ) async -> PrintOutcome {
        do {
            try await journal.willSend(jobUUID)
        } catch {
            return .failed(reason: "journal refused the job: \(error)")
        }
        let jobID = lock.withLock {
            defer { nextJobID += 1 }; return nextJobID
        }
        do {
            try await journal.didCreate(jobUUID, jobID)
            try Data(pdf).write(to: lock.withLock { freeFile(for: jobUUID) }, options: .atomic)
            return .completed
        } catch {
            return .failed(reason: "could not write \(file(for: jobUUID).path): \(error.localizedDescription)")
        }
    }

    public func supervise(jobUUID: String, jobID: Int?, deadline: Deadline) async -> PrintOutcome {
        FileManager.default.fileExists(atPath: file(for: jobUUID).path)
            ? .completed : .unknown(reason: "no file for job \(jobUUID)")
    }

    public func file(for jobUUID: String) -> URL { directory.appendingPathComponent("licence-\(jobUUID).pdf") }

    /// The first sheet's file, or the next `licence-UUID.N.pdf` when that job was already sent.
    private func freeFile(for jobUUID: String) -> URL {
        var candidate = file(for: jobUUID)
        var copy = 1
        while FileManager.default.fileExists(atPath: candidate.path) {
            copy += 1
            candidate = directory.appendingPathComponent("licence-\(jobUUID).\(copy).pdf")
        }
        return candidate
    }
}
