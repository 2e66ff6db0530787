import Foundation
import KioskIO
import Testing

/// Ending a session holds under faults, and a restart never hands a session to the next person (issue 9, items 1,
/// 6 and 8): kioskd as a real process, a second SQLite connection in another process holding the write lock.
@Suite(.serialized) struct DaemonSessionEndTests {
    /// The personal values of the scripted citizen, as UTF-8 bytes (what a grep of the files would find).
    static let personal = ["11010519491231002X", "张三丰", "13812345678", "北京市东城区景山前街4号"]

    /// start → card → confirm → form → signature: the flow is then at awaitingSignature.
    static func toSignature(_ admin: ControlConnection) throws -> String {
        let id = try #require(try admin.flow("start")["transactionID"] as? String)
        try admin.sim("place-card", ["card": "resident"])
        try DaemonScript.passIdentity(admin)
        try admin.sim("lift-card", ["waitForPoll": true])
        try DaemonScript.expectApplied(admin.flow("submit-form", ["form": DaemonScript.form]))
        try DaemonScript.expectApplied(admin.flow("sign", ["signatureSHA256": DaemonScript.signature]))
        return id
    }

    static func flowStatus(_ admin: ControlConnection) throws -> [String: Any] {
        try admin.request(["command": "status"])["flow"] as? [String: Any] ?? [:]
    }

    static func storeStatus(_ admin: ControlConnection) throws -> [String: Any] {
        try admin.request(["command": "status"])["store"] as? [String: Any] ?? [:]
    }

    /// Which personal values are still in kioskd.db, -wal or -shm.
    static func personalDataLeft(in directory: URL) -> [String] {
        var found: [String] = []
        for suffix in ["", "-wal", "-shm"] {
            let file = directory.appendingPathComponent("kioskd.db" + suffix)
            guard let bytes = FileManager.default.contents(atPath: file.path) else { continue }
            for value in personal where bytes.range(of: Data(value.utf8)) != nil {
                found.append("\(value.prefix(4))… in kioskd.db\(suffix)")
            }
        }
        return found
    }

    @Test func cancel_whileAnotherProcessHoldsTheLock_isRecordedOnceItIsFree_andStatusAnswersMeanwhile() throws {
        let dir = try TemporaryDirectory("kioskd-lock-cancel")
        defer { dir.remove() }
        var daemon = try DaemonProcess(stateDirectory: dir.url)
        let admin = try daemon.admin()
        let id = try Self.toSignature(admin)

        let lock = try SQLiteLockHolder(path: dir.url.appendingPathComponent("kioskd.db").path)
        defer { lock.release() }
        let cancel = try admin.flow("cancel")
        #expect(cancel["applied"] as? Bool == true)
        #expect(cancel["step"] as? String == "persisting", "the screen says please wait until the end is durable")
        // Status has a read connection of its own: it answers while the write waits (on main it took 10 s).
        let status = try ControlConnection(path: daemon.statusSocket)
        let asked = ContinuousClock.now
        let reply = try status.request(["command": "status"], timeout: .seconds(30))
        let latency = ContinuousClock.now - asked
        #expect(latency < .seconds(2), "status took \(latency) while a write waited")
        #expect((reply["flow"] as? [String: Any])?["step"] as? String == "persisting")
        lock.release()

        try admin.wait(for: "cancelled", timeout: .seconds(60))
        #expect(try Self.storeStatus(admin)["endedTransactions"] as? Int == 1)
        #expect(daemon.terminate() == 0)

        daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let again = try daemon.admin()
        #expect(try Self.flowStatus(again)["step"] as? String == "idle")
        #expect(!daemon.stderr.contains("resuming transaction \(id)"), "\(daemon.stderr)")
        #expect(Self.personalDataLeft(in: dir.url).isEmpty, "\(Self.personalDataLeft(in: dir.url))")
    }

    @Test func cancel_thenSIGKILL_beforeItWasRecorded_resumesOnlyForTheSameCard_neverPrints() throws {
        let dir = try TemporaryDirectory("kioskd-lock-kill")
        defer { dir.remove() }
        var daemon = try DaemonProcess(stateDirectory: dir.url)
        let admin = try daemon.admin()
        let id = try Self.toSignature(admin)
        let lock = try SQLiteLockHolder(path: dir.url.appendingPathComponent("kioskd.db").path)
        try DaemonScript.expectApplied(admin.flow("cancel"))
        daemon.kill9()
        lock.release()

        daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let next = try daemon.admin()
        #expect(daemon.stderr.contains("resuming transaction \(id)"))
        #expect(try Self.flowStatus(next)["step"] as? String == "awaitingCard")
        // Whoever stands at the screen next cannot sign, confirm or ask for a window in the first citizen's name.
        #expect(try next.flow("sign", ["signatureSHA256": DaemonScript.signature])["applied"] as? Bool == false)
        #expect(try next.flow("confirm", ["declarationAccepted": true])["applied"] as? Bool == false)
        #expect(try next.flow("request-hand-off")["applied"] as? Bool == false)
        try next.sim("place-card", ["card": "hkMacaoTaiwanPermit"])
        try next.wait(for: "cancelled")
        let ended = try Self.flowStatus(next)["lastEnded"] as? [String: Any]
        #expect(ended?["transactionID"] as? String == id)
        #expect(ended?["reason"] as? String == "interrupted")
        #expect(try Self.storeStatus(next)["completedTransactions"] as? Int == 0)
        let licences = dir.url.appendingPathComponent("sim-output/licences").path
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: licences)) ?? []).isEmpty)
    }

    @Test func restart_withinTheStepsTimeout_continuesOnceTheSameCardIsPlaced() throws {
        let dir = try TemporaryDirectory("kioskd-resume-card")
        defer { dir.remove() }
        var daemon = try DaemonProcess(stateDirectory: dir.url)
        let id = try Self.toSignature(try daemon.admin())
        daemon.kill9()

        daemon = try DaemonProcess(stateDirectory: dir.url)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        #expect(try Self.flowStatus(admin)["step"] as? String == "awaitingCard")
        try admin.sim("place-card", ["card": "resident"])
        try admin.wait(for: "awaitingSignature")
        try DaemonScript.expectApplied(admin.flow("confirm", ["declarationAccepted": true]))
        try admin.wait(for: "rating")
        try admin.flow("rate", ["grade": 5])
        let done = try admin.wait(for: "completed")
        #expect(done["transactionID"] as? String == id)
    }

    @Test func restart_afterTheStepsTimeout_endsTheSessionAsInterrupted_andLeavesNoPersonalData() throws {
        let dir = try TemporaryDirectory("kioskd-resume-late")
        defer { dir.remove() }
        let config: [String: Any] = [
            "kioskID": "TEST-LATE",
            "flow": ["timeoutsSeconds": ["awaitingSignature": 3], "warningSeconds": 1, "endScreenSeconds": 0.2],
        ]
        var daemon = try DaemonProcess(stateDirectory: dir.url, config: config)
        let id = try Self.toSignature(try daemon.admin())
        daemon.kill9()
        // The outage itself: longer than the step's timeout, so no citizen is still waiting.
        Thread.sleep(forTimeInterval: 3.5)

        daemon = try DaemonProcess(stateDirectory: dir.url, config: config)
        defer { daemon.stop() }
        let admin = try daemon.admin()
        #expect(daemon.child.waitForOutput(containing: "personal data of \(id) wiped", deadline: .after(.seconds(30))))
        let ended = try Self.flowStatus(admin)["lastEnded"] as? [String: Any]
        #expect(ended?["reason"] as? String == "interrupted")
        #expect(Self.personalDataLeft(in: dir.url).isEmpty, "\(Self.personalDataLeft(in: dir.url))")
    }

    @Test func afterACancel_noPersonalValueIsLeftInTheDatabaseOrItsWAL() throws {
        let dir = try TemporaryDirectory("kioskd-wal-wipe")
        defer { dir.remove() }
        let daemon = try DaemonProcess(
            stateDirectory: dir.url, config: ["kioskID": "TEST-WAL", "flow": ["endScreenSeconds": 0.2]])
        defer { daemon.stop() }
        let admin = try daemon.admin()
        var ids: [String] = []
        for _ in 0..<3 {
            try admin.wait(for: "idle", timeout: .seconds(30))
            let id = try Self.toSignature(admin)
            ids.append(id)
            #expect(!Self.personalDataLeft(in: dir.url).isEmpty, "the test must see the values while in flight")
            try DaemonScript.expectApplied(admin.flow("cancel"))
            #expect(
                daemon.child.waitForOutput(containing: "personal data of \(id) wiped", deadline: .after(.seconds(1))))
            #expect(Self.personalDataLeft(in: dir.url).isEmpty, "after \(id): \(Self.personalDataLeft(in: dir.url))")
        }
        // SIGKILL right after the last wipe: nothing comes back from the files either.
        daemon.kill9()
        #expect(Self.personalDataLeft(in: dir.url).isEmpty, "\(Self.personalDataLeft(in: dir.url))")
    }

    @Test(.enabled(if: SmallFileSystem.canMount, "needs root to mount a small tmpfs"))
    func cancel_onAFullDisk_waitsForSpace_andIsRecordedOnceItIsFreed() throws {
        let disk = try SmallFileSystem(megabytes: 16)
        defer { disk.unmount() }
        let state = disk.url.appendingPathComponent("state")
        var daemon = try DaemonProcess(stateDirectory: state)
        let admin = try daemon.admin()
        let id = try Self.toSignature(admin)
        try disk.fill()
        #expect(try admin.flow("cancel")["step"] as? String == "persisting")
        #expect(
            daemon.child.waitForOutput(containing: "\(id) not recorded (will retry)", deadline: .after(.seconds(20))))
        #expect(try Self.flowStatus(admin)["step"] as? String == "persisting", "please wait while the disk is full")
        disk.free()
        try admin.wait(for: "cancelled", timeout: .seconds(120))
        #expect(daemon.terminate() == 0)

        daemon = try DaemonProcess(stateDirectory: state)
        defer { daemon.stop() }
        #expect(try Self.flowStatus(try daemon.admin())["step"] as? String == "idle")
        #expect(!daemon.stderr.contains("resuming transaction \(id)"))
    }

    @Test(.enabled(if: SmallFileSystem.canMount, "needs root to mount a small tmpfs"))
    func cancel_onAFullDisk_thenSpaceFreedAndSIGKILL_neverHandsTheSessionToTheNextPerson() throws {
        let disk = try SmallFileSystem(megabytes: 16)
        defer { disk.unmount() }
        let state = disk.url.appendingPathComponent("state")
        var daemon = try DaemonProcess(stateDirectory: state)
        let admin = try daemon.admin()
        let id = try Self.toSignature(admin)
        try disk.fill()
        try DaemonScript.expectApplied(admin.flow("cancel"))
        #expect(
            daemon.child.waitForOutput(containing: "\(id) not recorded (will retry)", deadline: .after(.seconds(20))))
        disk.free()
        daemon.kill9()

        daemon = try DaemonProcess(stateDirectory: state)
        defer { daemon.stop() }
        let next = try daemon.admin()
        // Either the retry got in before the kill (the session is over) or the checkpoint from before the cancel is
        // back — and then only its own card goes on.
        if try Self.flowStatus(next)["step"] as? String == "awaitingCard" {
            #expect(try next.flow("confirm", ["declarationAccepted": true])["applied"] as? Bool == false)
            try next.sim("place-card", ["card": "hkMacaoTaiwanPermit"])
            try next.wait(for: "cancelled")
            #expect((try Self.flowStatus(next)["lastEnded"] as? [String: Any])?["reason"] as? String == "interrupted")
        } else {
            #expect(try Self.flowStatus(next)["step"] as? String == "idle")
        }
        #expect(try Self.storeStatus(next)["endedTransactions"] as? Int == 1)
        #expect(try Self.storeStatus(next)["completedTransactions"] as? Int == 0)
    }
}
