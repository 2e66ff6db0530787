/// `direct read-card`, `direct sam-id`, `simulate id-reader` (issue 3).
enum IDReaderCommands {
    static func direct(_ sub: String, _ arguments: [String]) -> Int32 {
        KioskCtl.failure("'direct \(sub)' is not available in this build")
    }

    static func simulate(_ arguments: [String]) -> Int32 {
        KioskCtl.failure("'simulate id-reader' is not available in this build")
    }
}
