import Foundation
import KioskControl

/// `kioskctl selftest ROLE|all [--print]`: the daemon tests its devices and links while it runs, and the result is a
/// table (SelftestTable) or `--json`. Exit 0 when nothing failed (warnings allowed), 1 when a check failed or kioskd
/// refused (a citizen's session is active).
enum SelftestVerb {
    /// The longest a selftest may take: a ticket waits to be taken, a licence test page to be printed.
    static let timeout = Duration.seconds(300)

    static func run(_ session: DaemonSession, _ words: [String], print: Bool) -> Int32 {
        let names = (["all"] + SelftestTarget.allCases.map(\.rawValue)).joined(separator: ", ")
        guard !words.isEmpty else { return KioskCtl.usageError("selftest takes ROLE... or all: \(names)") }
        var targets: [SelftestTarget] = []
        for word in words {
            if word == "all" {
                targets = SelftestTarget.allCases
                continue
            }
            guard let target = SelftestTarget(rawValue: word) else {
                return KioskCtl.usageError("selftest: unknown target '\(word.prefix(40))'; one of \(names)")
            }
            if !targets.contains(target) { targets.append(target) }
        }
        let reply: SelftestReply
        switch session.call(.selftest(targets: targets, print: print), expecting: SelftestReply.self, timeout: timeout)
        {
        case .success(let answer): reply = answer
        case .failure(let exit): return exit.code
        }
        Console.line(session.json ? ControlProtocol.encodePretty(reply) : SelftestTable.render(reply))
        return reply.result == .fail ? ExitCode.failed : ExitCode.ok
    }
}
