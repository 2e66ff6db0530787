import Foundation
import KioskCore
import KioskIO
import Testing

@testable import KioskDaemon
@testable import KioskStore

/// The CloudEvent the store keeps with each outbox entry (docs/ARCHITECTURE.md §15), rendered by the central encoder
/// the daemon passes in, in a real SQLite file: the bytes served are the bytes rendered on the fly would be, their
/// `data` byte for byte what `JSONSerialization` wrote (`Reference`), before the purge and after it; and the purge
/// leaves none of the applicant's data in the record, the event, the file or its WAL.
@Suite struct StoredEventTests {
    static let kioskID = "K/1"

    /// Records that can be recorded (ended, with a kiosk id) from the encoder's byte-for-byte set.
    static func records() -> [TransactionRecord] {
        TransactionEventTests.records().filter { $0.outcome != nil && !$0.kioskID.isEmpty }
    }

    /// The entry as it would be without a stored event: what readers rendered on every pull before.
    static func renderedNow(_ entry: OutboxEntry) -> String {
        TransactionEvent.json(
            OutboxEntry(
                seq: entry.seq, transactionID: entry.transactionID, payload: entry.payload, createdAt: entry.createdAt,
                ackedAt: entry.ackedAt, personalDataPurgedAt: entry.personalDataPurgedAt,
                signaturePNG: entry.signaturePNG),
            kioskID: kioskID)
    }

    @Test func storedEvents_areWhatRenderingOnEveryPullGave_beforeAndAfterThePurge() throws {
        let dir = try TemporaryDirectory("kioskd-stored-event")
        defer { dir.remove() }
        let store = try TransactionStore.open(
            path: TransactionStore.path(inStateDirectory: dir.url.path),
            options: .init(eventRenderer: TransactionEvent.renderer(kioskID: Self.kioskID)))
        defer { store.close() }
        let image = try SignatureImage(png: Array(TransactionEventTests.signaturePNG))
        var expected: [(record: TransactionRecord, png: Data?)] = []
        for (index, base) in Self.records().enumerated() {
            for withImage in [false, true] {
                var record = base
                record.id = "T-\(index)-\(withImage)"
                if withImage {
                    record.signatureSHA256 = image.sha256
                    try store.saveCheckpoint(sessionID: record.id, state: Data("{}".utf8))
                    try store.saveSignatureImage(image, sessionID: record.id)
                }
                try store.complete(record)
                expected.append((record, withImage ? Data(image.png) : nil))
            }
        }
        let entries = try store.page(after: 0, limit: 100).entries
        #expect(entries.count == expected.count)
        for (entry, (record, png)) in zip(entries, expected) {
            let event = try #require(entry.event.map { String(decoding: $0, as: UTF8.self) })
            #expect(event == Self.renderedNow(entry), "\(record.id)")
            #expect(
                event.hasSuffix(",\"data\":" + Reference.json(record, purged: false, signaturePNG: png) + "}"),
                "\(record.id)")
            #expect(event.contains(",\"seq\":\(entry.seq),"))
        }

        #expect(try store.purgePersonalData(anchor: .ended, before: Date().addingTimeInterval(86_400)) == entries.count)

        let purged = try store.page(after: 0, limit: 100).entries
        for (entry, (record, _)) in zip(purged, expected) {
            let event = try #require(entry.event.map { String(decoding: $0, as: UTF8.self) })
            #expect(event == Self.renderedNow(entry), "\(record.id)")
            #expect(
                event.hasSuffix(
                    ",\"data\":" + Reference.json(PersonalDataPurge.purged(record), purged: true, signaturePNG: nil)
                        + "}"),
                "\(record.id)")
        }
        // The pull API serves the stored bytes as they are.
        let api = PullAPI(kioskID: Self.kioskID, tokenSHA256: [], backend: NoBackend())
        #expect(purged.map(api.event) == purged.map { String(decoding: $0.event ?? Data(), as: UTF8.self) })
    }

    /// The daemon's own store (`openStore`: the renderer, old entries rendered at open) and its maintenance pass: after
    /// the purge neither the record nor the stored event holds the name, ID number, phone, address or signature image
    /// — grepped in the database file and in its WAL.
    @Test func maintenancePurge_leavesNoPersonalBytesInTheFileOrTheWAL() throws {
        let dir = try TemporaryDirectory("kioskd-stored-event")
        defer { dir.remove() }
        let name = "王小明"
        let idNumber = "310101199001011234"
        let phone = "13912345678"
        let address = "上海市黄浦区人民大道200号"
        let marker = "SIGNATURE-MARK-7Q"
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(marker.utf8)
        png += (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let image = try SignatureImage(png: png)
        var record = try #require(Self.records().first)
        record.id = "T-PURGE"
        record.endedAt = Date().addingTimeInterval(-40 * 86_400)
        record.applicantName = PersonalText(name, kind: .name)
        record.applicantIDNumber = PersonalText(idNumber, kind: .idNumber)
        record.form?.representative = PersonalText(name, kind: .name)
        record.form?.address = PersonalText(address, kind: .address)
        record.form?.phone = PersonalText(phone, kind: .phone)
        record.licence?.representative = name
        record.licence?.address = address
        record.signatureSHA256 = image.sha256

        let config = DaemonConfig(kioskID: Self.kioskID, stateDirectory: dir.url.path)
        let store = try StoreMaintenance.openStore(config: config)
        defer { store.close() }
        try store.saveCheckpoint(sessionID: record.id, state: Data("{}".utf8))
        try store.saveSignatureImage(image, sessionID: record.id)
        try store.complete(record)
        // The event as the centre reads it escapes `/` in the base64 of the image.
        let base64 = Data(png).base64EncodedString().replacingOccurrences(of: "/", with: "\\/")
        let event = try #require(try store.page(after: 0, limit: 1).entries.first?.event)
        #expect(String(decoding: event, as: UTF8.self).contains(base64))
        // The image and its base64 span pages (and a page boundary may split any run of them): searched in pieces.
        let pieces =
            stride(from: 0, to: png.count - 32, by: 32).map { Data(png[$0..<$0 + 32]) }
            + stride(from: 0, to: base64.utf8.count - 32, by: 32).map { Data(Array(base64.utf8)[$0..<$0 + 32]) }
        let personal = [name, idNumber, phone, address, marker].map { Data($0.utf8) } + pieces
        let files = [store.path, store.path + "-wal"]
        // Before the purge the bytes are there (so the search below can find them).
        for text in [name, idNumber, phone, address, marker] {
            #expect(files.contains { Self.fileContains($0, Data(text.utf8)) }, "\(text) before the purge")
        }
        #expect(pieces.filter { piece in files.contains { Self.fileContains($0, piece) } }.count > pieces.count / 2)

        let report = StoreMaintenance.pass(
            store: store,
            settings: .init(
                backupDirectory: dir.url.appendingPathComponent("backups").path, keepBackups: 0,
                retention: .seconds(30 * 86_400), retentionAnchor: .ended),
            at: Date(), checkIntegrity: false)

        #expect(report.purged == 1)
        #expect(report.problems.isEmpty)
        let entry = try #require(try store.page(after: 0, limit: 1).entries.first)
        let stored = String(decoding: entry.event ?? Data(), as: UTF8.self)
        #expect(stored.contains("\"personalDataPurged\":true"))
        #expect(stored == Self.renderedNow(entry))
        for path in files {
            let found = personal.filter { Self.fileContains(path, $0) }
            #expect(found.count == 0, "\(found.count) personal piece(s) in \(path)")
        }
    }

    private struct NoBackend: PullBackend {
        struct Unused: Error {}
        func page(after: Int64, limit: Int) throws -> OutboxPage { throw Unused() }
        func ack(upTo: Int64) throws -> PullAckResult { throw Unused() }
        func health() -> PullHealth? { nil }
    }

    static func fileContains(_ path: String, _ bytes: Data) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return false }
        return data.range(of: bytes) != nil
    }
}
