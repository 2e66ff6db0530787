import KioskProtocols

/// Lays out a queue ticket: category, the number in large type, people waiting, time, window hint, cut.
public enum QueueTicketLayout {
    public static func render(
        _ content: QueueTicketContent, paper: PaperWidth, cut: ESCPOSCut,
        repertoire: TextRepertoire = .gb18030
    ) -> [UInt8] {
        var b = ESCPOSBuilder(paper: paper, repertoire: repertoire)
        b.initialize()
        b.align(.centre)
        b.bold(true)
        b.line(content.serviceCategory)
        b.bold(false)
        b.characterSize(width: 4, height: 4)
        b.line(content.number)
        b.characterSize(width: 1, height: 1)
        b.line("前面还有 \(max(0, content.peopleWaiting)) 人等候")
        b.line(content.timeText)
        b.line(content.windowHint)
        b.line("过号请重新取号")
        b.align(.left)
        b.feed(lines: 2)
        b.cut(cut)
        return b.bytes
    }
}
