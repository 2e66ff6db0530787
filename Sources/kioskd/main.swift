import Foundation
import KioskCore

// kioskd — the daemon (issue 6 builds it out).
FileHandle.standardError.write(Data("<3>kioskd \(KioskVersion.current): the daemon is not built yet\n".utf8))
exit(1)
