import Foundation

// kioskctl — the technician's tool: talks to a running kioskd, or drives a device directly at the bench.
exit(KioskCtl.run(Array(CommandLine.arguments.dropFirst())))
