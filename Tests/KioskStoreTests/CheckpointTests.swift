import Foundation
import KioskStore
import Testing

@Suite struct CheckpointTests {
    let state = Data(#"{"step":"fillingForm","name":"张三丰"}"#.utf8)

    @Test func save_thenLoad_returnsTheBlobWithItsSessionAndTime() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        #expect(try store.loadCheckpoint() == nil)
        try store.saveCheckpoint(sessionID: "S-1", state: state)
        #expect(
            try store.loadCheckpoint() == SessionCheckpoint(sessionID: "S-1", state: state, savedAt: fixture.clock.now))
    }

    @Test func save_anotherSession_replacesTheEarlierOne() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.saveCheckpoint(sessionID: "S-1", state: state)
        try store.saveCheckpoint(sessionID: "S-2", state: Data("{}".utf8))
        #expect(try store.loadCheckpoint()?.sessionID == "S-2")
        #expect(try store.loadCheckpoint()?.state == Data("{}".utf8))
    }

    @Test func clear_ofAnotherSession_keepsTheCheckpoint() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        try store.saveCheckpoint(sessionID: "S-2", state: state)
        #expect(try store.clearCheckpoint(sessionID: "S-1") == false)
        #expect(try store.loadCheckpoint()?.sessionID == "S-2")
        #expect(try store.clearCheckpoint(sessionID: "S-2") == true)
        #expect(try store.loadCheckpoint() == nil)
    }

    @Test func checkpoint_survivesCloseAndReopen() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let first = try fixture.open()
        try first.saveCheckpoint(sessionID: "S-1", state: state)
        first.close()
        let second = try fixture.open()
        defer { second.close() }
        #expect(try second.loadCheckpoint()?.state == state)
    }

    /// Clearing is how an unfinished session's personal data is wiped: after a WAL checkpoint the bytes are gone
    /// from the file, not just unlinked from the table (`secure_delete`).
    @Test func clear_thenWALCheckpoint_leavesNoPersonalBytesInTheFile() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        let marker = "张三丰-\(StoreFixture.idNumber)"
        try store.saveCheckpoint(sessionID: "S-1", state: Data(#"{"applicant":"\#(marker)"}"#.utf8))
        let raw = try fixture.raw()
        try raw.exec("PRAGMA wal_checkpoint(TRUNCATE)")
        #expect(fileContains(fixture.path, marker))

        try store.clearCheckpoint(sessionID: "S-1")
        try raw.exec("PRAGMA wal_checkpoint(TRUNCATE)")

        #expect(!fileContains(fixture.path, marker))
        #expect(!fileContains(fixture.path + "-wal", marker))
    }

    @Test func save_oversizedState_isRefused() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        let error = #expect(throws: StoreError.self) {
            try store.saveCheckpoint(sessionID: "S-1", state: Data(count: 300 * 1024))
        }
        #expect(error?.description.contains("above the limit") == true)
        #expect(try store.loadCheckpoint() == nil)
    }
}
