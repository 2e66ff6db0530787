/// Every kioskctl verb with its synopsis and help, so `--help`, `help VERB`, the usage and "did you mean" all come from
/// one list.
struct Verb {
    let name: String
    /// The usage lines (without `kioskctl `).
    let synopsis: [String]
    let summary: String
    /// Options and notes shown by `kioskctl VERB --help`.
    let details: String
}

enum VerbCatalog {
    static let globalOptions = """
        global options:
          --socket PATH     kioskd's status socket (default /run/kioskd/kioskd.sock); admin verbs use admin.sock
                            next to it
          --json            machine-readable output (one JSON document)
          --help, -h        help for the verb; --version: kioskctl's version
        exit codes: 0 ok, 1 failed or degraded, 2 usage, 3 kioskd unreachable, 4 permission denied
        """

    static let verbs: [Verb] = [
        Verb(
            name: "version", synopsis: ["version"], summary: "kioskd version and linked library versions",
            details: "Prints kioskctl's version and the versions of libusb, libcups, libudev and SQLite it runs with."),
        Verb(
            name: "validate", synopsis: ["validate id NUMBER", "validate uscc CODE"],
            summary: "check an ID number (GB 11643 / 2023 foreigner card) or a credit code (GB 32100)",
            details: "Exit 0 \"valid\", 1 \"invalid: REASON\". The number is never echoed."),
        Verb(
            name: "status", synopsis: ["status [--json]"], summary: "the daemon's status (devices, flow, store)",
            details: "Exit 1 when any configured (required) device is not ready."),
        Verb(
            name: "devices", synopsis: ["devices [ROLE] [--json]"],
            summary: "each device: model, serial / SAM ID, firmware, endpoint, state, since, last error, counters",
            details: "ROLE: idReader, receiptPrinter, ticketDispenser or licencePrinter. Exit 1 when a shown required "
                + "device is not ready."),
        Verb(
            name: "selftest", synopsis: ["selftest ROLE...|all [--print] [--json]"],
            summary: "test devices and links through the running kioskd: pass / warn / fail per check",
            details: """
                  ROLE: idReader (SAM status, SAM ID), receiptPrinter (a test receipt, its status), ticketDispenser
                  (a test ticket, taken or not), licencePrinter (a dry check of the CUPS queue: exists, accepting,
                  printer-state, error policy, media), central (registration service, push URL, pull listener
                  reachable with TLS verified), host (ModemManager or brltty able to grab a serial port); all: every one.
                  --print   also print one CUPS test page on the licence queue (uses a sheet of licence stock)
                Refused while a citizen's session is active. Audited. Exit 0 when nothing failed (warnings allowed),
                1 when a check failed or the selftest was refused. Needs admin.sock.
                """),
        Verb(
            name: "history", synopsis: ["history [--since DATE] [--limit N] [--json]"],
            summary: "recent transactions (names and ID numbers masked) and audited actions",
            details: "  --since DATE   RFC 3339 time or YYYY-MM-DD (UTC)\n  --limit N      1–1000, default 20"),
        Verb(
            name: "outbox", synopsis: ["outbox [--json]"],
            summary: "what waits for the central service: pending, oldest age, last push, acked up to", details: ""),
        Verb(
            name: "monitor", synopsis: ["monitor [--json]"],
            summary: "live events: devices, cards (masked), flow steps, prints, staff calls, central sync",
            details: """
                  One line per event until Ctrl-C or SIGTERM (exit 0; 1 when kioskd ends the stream):
                    device   a device's health changed (state, reasons)
                    card     a card was presented, read (ID number masked), failed, removed
                    flow     the flow's steps, refusals and endings
                    print    a licence, receipt or ticket was sent, and how it ended
                    staff    staff called, staff acted
                    central  pushes to the centre, their retries and refusals, the centre's acknowledgements
                  --json   one JSON object per line: first kioskd's answer (class "monitor"), then one per event
                           (class "event": seq, at, kind, event, detail, text)
                """),
        Verb(
            name: "debug-bundle", synopsis: ["debug-bundle --out FILE.tar.gz [--json]"],
            summary: "a .tar.gz for a support request, without personal data",
            details: """
                  Holds version.txt, config.json (secrets removed), status.json, devices.json, store.json (store,
                  outbox, push and pull figures), log.txt (kioskd's last log lines), udev.txt (udevadm info of the
                  configured device nodes) and README.txt. Needs admin.sock (the default socket of this verb).
                  --out FILE   where to write the bundle (required)
                  --json       a JSON summary (path, files, bytes) instead of a sentence
                """),
        Verb(
            name: "capture", synopsis: ["capture ROLE --out FILE [--seconds N] [--include-personal-data]"],
            summary: "a timestamped hex trace of a device's traffic in both directions",
            details: """
                  ROLE: idReader, receiptPrinter or ticketDispenser. Records for N seconds (default 10, at most 300)
                  and writes FILE: a header line, then one line per transport call — seconds since start, > host→device
                  or < device→host, hex bytes (docs/device-capture.md). The card's text block and photo, and printed
                  text, are masked unless --include-personal-data; every capture is recorded in the audit log.
                  Replay it with: kioskctl simulate id-reader|receipt-printer|dispenser --replay FILE.
                  Needs admin.sock.
                """),
        Verb(
            name: "inhibit", synopsis: ["inhibit --reason TEXT [--until-released]"],
            summary: "take the terminal out of service (the screen shows 暂停服务)",
            details: "Without --until-released kioskctl holds the inhibition and waits: Ctrl-C, or the process ending "
                + "in any way, puts the terminal back into service. With --until-released it stays (across "
                + "restarts) until `kioskctl release`. Needs admin.sock (root or the kioskd user)."),
        Verb(
            name: "release", synopsis: ["release"], summary: "put the terminal back into service",
            details: "Needs admin.sock."),
        Verb(
            name: "log-level", synopsis: ["log-level LEVEL"], summary: "set kioskd's log level",
            details: "LEVEL: error, warning, notice, info or debug (until kioskd restarts). Needs admin.sock."),
        Verb(
            name: "staff",
            synopsis: ["staff reprint|confirm-printed|hand-off|extend|cancel --staff ID [--json]"],
            summary: "a staff member's action at the terminal (audited under ID)",
            details: """
                  reprint          authorise printing the licence again after a failed or unknown print
                  confirm-printed  the licence came out: treat an unknown print as completed
                  hand-off         send the citizen to a staffed window now
                  extend           give the citizen more time at this step
                  cancel           end the session
                  --staff ID       the staff member's ID (1–64 characters), recorded in the audit log
                Exit 1 when the flow did not accept the action (the reply says why). Needs admin.sock.
                """),
        Verb(
            name: "direct",
            synopsis: [
                "direct read-card --port PATH [--baud N] [--timeout S] [--json] [--show-personal-info]",
                "direct sam-id --port PATH [--baud N] [--json]",
                "direct test-receipt PRINTER [--width 58|80] [--profile NAME] [--timeout S]",
                "direct printer-status PRINTER [--profile NAME] [--timeout S] [--json]",
                "direct dispense-ticket PRINTER --category A [--number N] [--waiting N] [--window TEXT] "
                    + "[--take-timeout S] [--leave]",
                "direct print-licence --queue NAME --data FILE.json [--copy original|duplicate] [--server SOCKET] "
                    + "[--tray NAME] [--font FILE] [--timeout S]",
                "direct render-licence --data FILE.json --out FILE.pdf [--copy original|duplicate] [--font FILE]",
                "direct camera --device PATH [--width W --height H] [--frames N] [--timeout S] [--out FILE.jpg]",
            ],
            summary: "drive a device without kioskd (at the bench, kioskd stopped)",
            details: """
                PRINTER is one of --tcp HOST:PORT, --port PATH [--baud N], --usblp PATH, --usb VID:PID.
                A device node kioskd holds is refused (stop kioskd first, or use `kioskctl devices`).
                """),
        Verb(
            name: "simulate",
            synopsis: [
                "simulate id-reader [--card TYPE|none] [--place-after S] [--timing NAME] [--fail-reads N] "
                    + "[--fail-selects N] [--split-replies N] [--silent-commands N] [--corrupt-replies N] "
                    + "[--sam-status HEX] [--garbage] [--unplug-during-read] [--finds-card-after-read]",
                "simulate receipt-printer|dispenser [--tcp PORT | --pty] [--out DIR] [--fault LIST] "
                    + "[--take-after N]",
                "simulate id-reader|receipt-printer|dispenser --replay FILE [--port N]",
                "simulate central --listen HOST:PORT --dir DIR --token-file FILE [--control PORT] [--push URL] "
                    + "[--registration URL] [--exit-with-parent]",
            ],
            summary: "start a simulated device or central server, print where it listens",
            details: """
                  --fault LIST     comma-separated: paper-near-end, paper-end, cover-open, cutter-error, offline,
                                   unrecoverable-error, paper-jam
                  --take-after N   the dispenser's ticket is taken after N status polls
                  --pty            listen on a pseudo-terminal instead of TCP
                """),
        Verb(name: "help", synopsis: ["help [VERB]"], summary: "this list, or one verb's help", details: ""),
    ]

    static func verb(named name: String) -> Verb? { verbs.first { $0.name == name } }

    /// The help of a verb the catalogue lists (for the verbs that print it themselves on a usage error).
    static func help(named name: String) -> String { verb(named: name).map(help(for:)) ?? name }

    static var usage: String {
        var lines = ["usage: kioskctl [--socket PATH] [--json] VERB ...", ""]
        for verb in verbs {
            for (index, line) in verb.synopsis.enumerated() {
                let text = "  " + line
                lines.append(index == 0 && text.count < 44 ? pad(text, 44) + verb.summary : text)
                if index == 0 && text.count >= 44 { lines.append(String(repeating: " ", count: 44) + verb.summary) }
            }
        }
        lines.append("")
        lines.append("  PRINTER: --tcp HOST:PORT | --port PATH [--baud N] | --usblp PATH | --usb VID:PID")
        return lines.joined(separator: "\n") + "\n\n" + globalOptions
    }

    static func help(for verb: Verb) -> String {
        let synopsis = verb.synopsis.map { "usage: kioskctl \($0)" }.joined(separator: "\n")
        let details = verb.details.isEmpty ? "" : "\n\n" + verb.details
        return "\(synopsis)\n\n\(verb.summary)\(details)\n\n\(globalOptions)"
    }

    /// The known verb closest to `word`, when it is close enough to be a typo (at most 2 edits, or a prefix).
    static func suggestion(for word: String) -> String? {
        let names = verbs.map(\.name)
        if let prefixed = names.first(where: { $0.hasPrefix(word) && word.count >= 2 }) { return prefixed }
        let best = names.map { ($0, editDistance($0, word)) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(1, min(2, word.count / 3)) else { return nil }
        return best.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
