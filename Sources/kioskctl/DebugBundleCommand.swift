import Foundation
import KioskControl
import KioskCore
import KioskDaemon
import KioskDevices
import KioskIO

/// `kioskctl debug-bundle --out FILE.tar.gz`: what a technician attaches to a support request, gathered from kioskd
/// over admin.sock (docs/ARCHITECTURE.md §17) — version, config with secrets removed, status and devices, store and
/// outbox figures, the recent log from kioskd's ring buffer — and `udevadm info` of the configured device nodes.
/// No personal data: kioskd sends only codes, ids and masked values, and this command masks, as a second line of
/// defence, anything that still looks like a valid ID number.
enum DebugBundleCommand {
    static var help: String { VerbCatalog.help(named: "debug-bundle") }

    static func run(_ arguments: [String]) -> Int32 {
        let parsed: Arguments
        do {
            parsed = try Arguments(arguments, valued: ["socket", "out"], switches: ["json", "help"])
        } catch {
            return usage(error.description)
        }
        if parsed.flags.contains("help") {
            Console.line(help)
            return ExitCode.ok
        }
        guard parsed.positionals.isEmpty else { return usage("debug-bundle takes no arguments besides options") }
        guard let out = parsed.values["out"], !out.isEmpty else { return usage("debug-bundle needs --out FILE.tar.gz") }
        // admin.sock: given directly, or found next to the status socket.
        let session = DaemonSession(
            socket: parsed.values["socket"] ?? DaemonCommands.defaultSocket, json: parsed.flags.contains("json"))
        let info: DebugInfoReply
        switch session.call(.debugInfo, expecting: DebugInfoReply.self) {
        case .success(let reply): info = reply
        case .failure(let exit): return exit.code
        }
        let now = Date()
        let files = contents(of: info, at: now)
        let bytes: [UInt8]
        do {
            bytes = try archive(files, at: now)
        } catch {
            return KioskCtl.failure("\(error)")
        }
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: out))
        } catch {
            return KioskCtl.failure("cannot write \(out): \(error.localizedDescription)")
        }
        if parsed.flags.contains("json") {
            Console.line(ControlProtocol.encodePretty(Summary(out: out, bytes: bytes.count, files: files.map(\.name))))
        } else {
            Console.line("debug bundle written to \(out) (\(bytes.count) bytes, \(files.count) files)")
        }
        return ExitCode.ok
    }

    /// `--json`'s answer.
    struct Summary: Encodable {
        let out: String
        let bytes: Int
        let files: [String]
    }

    /// store.json: the store's figures and the central link's.
    struct StoreFigures: Encodable {
        let store: StoreStatus
        let central: ControlJSON?
    }

    struct File {
        let name: String
        let text: String
    }

    /// The bundle's files from kioskd's `debug-info` reply (and udevadm), each masked once more.
    static func contents(of info: DebugInfoReply, at now: Date) -> [File] {
        let status = info.status
        let lines = info.log.lines
        let versions = [
            "kioskd \(info.version) (control protocol \(info.protocol), pid \(info.pid), \(info.mode))",
            "kioskctl \(KioskVersion.current)", "libusb \(LibraryVersions.libusb)", "libcups \(CUPSLibrary.version)",
            "libudev \(LibraryVersions.libudev)", "sqlite \(LibraryVersions.sqlite)",
        ]
        let readme = """
            kioskd debug bundle, written \(ISO8601DateFormatter().string(from: now)) by kioskctl debug-bundle.
            version.txt   kioskd and library versions
            config.json   kioskd's configuration file (\(info.configFile ?? "none")), secrets removed
            status.json   kioskctl status --json as kioskd answered it
            devices.json  the devices part of the status
            store.json    store, outbox, push and pull figures
            log.txt       kioskd's last \(lines.count) log lines (level \(info.log.level), \
            \(info.log.droppedLines) lines could not be written to stderr)
            udev.txt      udevadm info of the configured device nodes
            Personal data is never included: kioskd logs and reports codes, ids and masked values only.
            """
        let files = [
            File(name: "README.txt", text: readme + "\n"),
            File(name: "version.txt", text: versions.joined(separator: "\n") + "\n"),
            File(name: "config.json", text: ControlProtocol.encodePretty(info.config) + "\n"),
            File(name: "status.json", text: ControlProtocol.encodePretty(status) + "\n"),
            File(name: "devices.json", text: ControlProtocol.encodePretty(status.devices) + "\n"),
            File(
                name: "store.json",
                text: ControlProtocol.encodePretty(StoreFigures(store: status.store, central: status.central)) + "\n"),
            File(name: "log.txt", text: lines.map { $0 + "\n" }.joined()),
            File(name: "udev.txt", text: udevInfo(info.deviceNodes)),
        ]
        return files.map { File(name: $0.name, text: PersonalDataScrubber.scrub($0.text)) }
    }

    /// `udevadm info --query=all --name=NODE` for each node, when udevadm is installed.
    static func udevInfo(_ nodes: [String]) -> String {
        guard !nodes.isEmpty else { return "no device nodes configured (network, USB-by-id or CUPS devices only)\n" }
        guard
            let udevadm = ["/usr/bin/udevadm", "/bin/udevadm", "/sbin/udevadm", "/usr/sbin/udevadm"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else { return "udevadm is not installed; nodes: \(nodes.joined(separator: " "))\n" }
        var text = ""
        for node in nodes {
            text += "### udevadm info --query=all --name=\(node)\n"
            do {
                let child = try ChildProcess(
                    udevadm, ["info", "--query=all", "--name=\(node)"],
                    environment: ProcessInfo.processInfo.environment)
                if !child.waitForExit(deadline: .after(.seconds(10))) { child.stop() }
                text += child.output + "(exit \(child.exitStatus.map { String($0) } ?? "killed"))\n\n"
            } catch {
                text += "cannot run udevadm: \(error)\n\n"
            }
        }
        return text
    }

    static func archive(_ files: [File], at now: Date) throws -> [UInt8] {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        let directory = "kioskd-debug-\(formatter.string(from: now))/"
        var writer = TarGzWriter(modified: Int(now.timeIntervalSince1970))
        try writer.addDirectory(directory)
        for file in files { try writer.addFile(directory + file.name, Array(file.text.utf8)) }
        return writer.finished()
    }

    private static func usage(_ message: String) -> Int32 {
        Console.error("kioskctl: \(message)\n\(help)")
        return ExitCode.usage
    }
}

/// Masks every run of characters that is a valid ID number (GB 11643, or a 2017 foreigner's permanent residence
/// number) — the bundle's second line of defence, after kioskd's own masking.
enum PersonalDataScrubber {
    static func scrub(_ text: String) -> String {
        var result = ""
        var run = ""
        func flush() {
            result += looksLikeIDNumber(run) ? Masking.keepEnds(run, head: 4, tail: 4) : run
            run = ""
        }
        for character in text {
            if character.isASCII && (character.isLetter || character.isNumber) {
                run.append(character)
            } else {
                flush()
                result.append(character)
            }
        }
        flush()
        return result
    }

    /// 17 digits and their GB 11643 check character, or a well-formed 2017 foreigner's number.
    static func looksLikeIDNumber(_ run: String) -> Bool {
        if Foreigner2017NumberValidator.isWellFormed(run) && run.count == 15 { return true }
        let characters = Array(run.uppercased())
        guard characters.count == 18, characters.prefix(17).allSatisfy(\.isNumber) else { return false }
        let digits = characters.prefix(17).compactMap(\.wholeNumberValue)
        return IDNumberValidator.checkCharacter(for: digits) == characters[17]
    }
}
