import Foundation

// kioskctl — the technician's tool: talks to a running kioskd, or drives a device directly at the bench.
signal(SIGPIPE, SIG_IGN)
exit(KioskCtl.run(Array(CommandLine.arguments.dropFirst())))
