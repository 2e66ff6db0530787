/// `direct print-licence --queue NAME --data FILE.json [--copy original|duplicate] [--server SOCKET]`.
enum LicencePrintCommand {
    static func run(_ arguments: [String]) -> Int32 {
        KioskCtl.failure("'direct print-licence' is not available in this build yet")
    }
}
