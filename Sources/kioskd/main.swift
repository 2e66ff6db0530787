import Foundation
import KioskDaemon

// kioskd — the daemon. Thin: parse, build, run; everything else lives in KioskDaemon.
// A client that hangs up mid-reply, or a helper process whose pipe closes, must cost an EPIPE, not the daemon.
signal(SIGPIPE, SIG_IGN)
if CommandLine.arguments.dropFirst().first == "--version" {
    print(DaemonVersion.line)
    exit(0)
}
let logger = Logger()
let options: DaemonOptions
do {
    options = try DaemonOptions.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    _ = Logger.standardError("kioskd: \(error)\n\(DaemonOptions.usage)\n")
    exit(2)
}
if let status = DaemonOneShot.run(options) { exit(status) }
let daemon: Daemon
do {
    daemon = try await Daemon(options: options, logger: logger)
} catch {
    logger.error("kioskd", "cannot start: \(error)")
    exit(1)
}
let status = await daemon.run()
exit(status)
