/// `direct print-licence`, `direct render-licence` (issue 5).
enum LicenceCommands {
    static func direct(_ sub: String, _ arguments: [String]) -> Int32 {
        KioskCtl.failure("'direct \(sub)' is not available in this build")
    }
}
