/// `direct test-receipt`, `direct printer-status`, `direct dispense-ticket`, `simulate receipt-printer|dispenser` (issue 4).
enum ReceiptCommands {
    static func direct(_ sub: String, _ arguments: [String]) -> Int32 {
        KioskCtl.failure("'direct \(sub)' is not available in this build")
    }

    static func simulate(_ sub: String, _ arguments: [String]) -> Int32 {
        KioskCtl.failure("'simulate \(sub)' is not available in this build")
    }
}
