import KioskProtocols

/// The technician's test page (`kioskctl direct test-receipt`): Chinese text in both sizes, a rule at the paper
/// width, a CODE128 barcode, a QR code and a cut — everything a receipt needs, with no citizen data.
public enum ReceiptTestPage {
    public static let heading = "自助服务终端测试页"

    public static func render(paper: PaperWidth, cut: ESCPOSCut, qrPayload: String, stamp: String) -> [UInt8] {
        var b = ESCPOSBuilder(paper: paper)
        b.initialize()
        b.align(.centre)
        b.bold(true)
        b.line(heading)
        b.bold(false)
        b.align(.left)
        b.rule()
        b.line("纸宽 \(paper.rawValue) mm，每行 \(paper.columns) 个半角字符")
        b.line("中文：营业执照 回执 排号 好差评")
        b.line("ASCII: 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        b.characterSize(width: 2, height: 2)
        b.line("大字 2×2")
        b.characterSize(width: 1, height: 1)
        b.underline(.single)
        b.line("下划线 underline")
        b.underline(.off)
        b.line(stamp)
        b.align(.centre)
        try? b.code128("KIOSK-TEST", height: 60)
        b.lineFeed()
        try? b.qrCode(qrPayload)
        b.lineFeed()
        b.align(.left)
        b.feed(lines: 3)
        b.cut(cut)
        return b.bytes
    }
}
