import KioskProtocols

/// Lays out the receipt (回执) as ESC/POS bytes: title, the transaction's facts, what was printed, a QR code the
/// printer draws itself (`GS ( k`), the 好差评 line, and the cut the profile uses.
public enum ReceiptLayout {
    public static let title = "营业执照自助打印回执"

    /// The bytes for `content` on `paper`. Text the printer cannot show becomes `?` (see `ESCPOSText`); a QR payload
    /// too long for a symbol is left out with a printed note instead of failing the receipt.
    public static func render(
        _ content: ReceiptContent, paper: PaperWidth, cut: ESCPOSCut,
        repertoire: TextRepertoire = .gb18030
    ) -> [UInt8] {
        var b = ESCPOSBuilder(paper: paper, repertoire: repertoire)
        b.initialize()
        b.align(.centre)
        b.bold(true)
        b.characterSize(width: 2, height: 2)
        b.line(title)
        b.characterSize(width: 1, height: 1)
        b.bold(false)
        b.align(.left)
        b.rule()
        b.pair("终端编号", content.terminalID)
        b.pair("办理时间", content.timeText)
        b.pair("业务流水号", content.transactionNumber)
        b.pair("申请人", content.applicantMasked)
        b.line("企业名称：" + content.enterpriseName)
        b.pair("统一社会信用代码", content.creditCode)
        b.line("打印内容：")
        for item in content.printedItems { b.line("  " + item) }
        b.rule()
        b.align(.centre)
        do {
            try b.qrCode(
                content.qrPayload, model: .model2, moduleSize: paper == .mm58 ? 5 : 6, errorCorrection: .medium)
            b.lineFeed()
        } catch {
            b.line("（二维码内容过长，请凭业务流水号查询）")
        }
        b.line(content.ratingLine)
        b.align(.left)
        b.feed(lines: 3)
        b.cut(cut)
        return b.bytes
    }
}
