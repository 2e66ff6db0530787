import Foundation
import KioskCore
import KioskProtocols
import Testing

@testable import KioskDocuments

/// GB18030 straight from Foundation (docs/device-protocols.md §6), not from our encoder.
func gb(_ text: String) -> [UInt8] { Array(text.data(using: String.Encoding(rawValue: 0x80000632)) ?? Data()) }
func spaces(_ n: Int) -> [UInt8] { [UInt8](repeating: 0x20, count: n) }
let lf: [UInt8] = [0x0A]

// Command bytes from docs/device-protocols.md §2.1 (ESC @, ESC a, ESC E, GS !, ESC d, GS V), §2.2 (FS &), §2.3 (GS (
// k).
let escInit: [UInt8] = [0x1B, 0x40]
let fsChineseOn: [UInt8] = [0x1C, 0x26]
let alignLeft: [UInt8] = [0x1B, 0x61, 0x00]
let alignCentre: [UInt8] = [0x1B, 0x61, 0x01]
let boldOn: [UInt8] = [0x1B, 0x45, 0x01]
let boldOff: [UInt8] = [0x1B, 0x45, 0x00]
let size1x1: [UInt8] = [0x1D, 0x21, 0x00]

struct ReceiptLayoutTests {
    static let beijing = TimeZone(secondsFromGMT: 8 * 3600)!
    static let content = ReceiptContent(
        terminalID: "KIOSK-0001", time: Date(timeIntervalSince1970: 1_772_328_615),  // 2026-03-01 01:30:15 UTC
        timeZone: beijing, transactionNumber: "T20260301-0001", applicant: PersonalText("张三", kind: .name),
        enterpriseName: "北京示例科技有限公司", creditCode: "91110000600037341L", printedItems: ["营业执照正本 1 份"],
        qrPayload: "https://kiosk.example/t/T20260301-0001")

    @Test func render_80mm_matchesGoldenBytes() {
        let qr = Array("https://kiosk.example/t/T20260301-0001".utf8)  // 38 bytes → pL = 41
        var expected: [UInt8] =
            escInit + fsChineseOn + alignCentre + boldOn + [0x1D, 0x21, 0x11] + gb("营业执照自助打印回执") + lf
        expected += size1x1 + boldOff + alignLeft + [UInt8](repeating: 0x2D, count: 48) + lf
        expected += gb("终端编号") + spaces(30) + Array("KIOSK-0001".utf8) + lf
        expected += gb("办理时间") + spaces(21) + Array("2026-03-01 09:30:15".utf8) + lf
        expected += gb("业务流水号") + spaces(24) + Array("T20260301-0001".utf8) + lf
        expected += gb("申请人") + spaces(39) + gb("张*") + lf
        expected += gb("企业名称：北京示例科技有限公司") + lf
        expected += gb("统一社会信用代码") + spaces(14) + Array("91110000600037341L".utf8) + lf
        expected += gb("打印内容：") + lf
        expected += gb("  营业执照正本 1 份") + lf
        expected += [UInt8](repeating: 0x2D, count: 48) + lf
        expected += alignCentre
        expected += [0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]  // model 2
        expected += [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06]  // module 6
        expected += [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31]  // level M
        expected += [0x1D, 0x28, 0x6B, 41, 0x00, 0x31, 0x50, 0x30] + qr  // store
        expected += [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30] + lf  // print
        expected += gb("欢迎扫码对本次服务进行“好差评”") + lf
        expected += alignLeft + [0x1B, 0x64, 0x03] + [0x1D, 0x56, 0x42, 0x00]
        let bytes = ReceiptLayout.render(Self.content, paper: .mm80, cut: .partialAfterFeed(0))
        #expect(bytes == expected)
    }

    @Test func render_neverContainsTheUnmaskedApplicant() {
        let bytes = ReceiptLayout.render(Self.content, paper: .mm58, cut: .full)
        #expect(bytes.firstRange(of: gb("张三")) == nil)
        #expect(bytes.firstRange(of: gb("张*")) != nil)
    }

    @Test func render_58mm_wrapsLongEnterpriseNameAt32Cells() {
        var content = Self.content
        content.enterpriseName = "北京市海淀区中关村示例科技发展有限责任公司"  // 21 chars
        let bytes = ReceiptLayout.render(content, paper: .mm58, cut: .full)
        // "企业名称：" (5) + 21 = 26 CJK characters = 52 cells → 16 characters, then 10.
        let first = gb("企业名称：北京市海淀区中关村示例") + lf
        let second = gb("科技发展有限责任公司") + lf
        #expect(bytes.firstRange(of: first) != nil)
        #expect(bytes.firstRange(of: second) != nil)
    }

    @Test func render_58mm_creditCodeGoesBelowItsLabel() {
        let bytes = ReceiptLayout.render(Self.content, paper: .mm58, cut: .full)
        // 16 + 18 cells do not fit 32: label and value on their own lines.
        #expect(bytes.firstRange(of: gb("统一社会信用代码") + lf + Array("91110000600037341L".utf8) + lf) != nil)
    }

    @Test func render_qrTooLong_printsNoteInsteadOfSymbol() {
        var content = Self.content
        content.qrPayload = String(repeating: "x", count: 4000)
        let bytes = ReceiptLayout.render(content, paper: .mm80, cut: .full)
        #expect(bytes.firstRange(of: [0x1D, 0x28, 0x6B]) == nil)
        #expect(bytes.firstRange(of: gb("（二维码内容过长，请凭业务流水号查询）")) != nil)
    }

    @Test func render_controlCharactersInEnterpriseName_cannotCutThePaper() {
        var content = Self.content
        content.enterpriseName = "坏\u{1D}V\u{00}公司"
        let bytes = ReceiptLayout.render(content, paper: .mm80, cut: .full)
        #expect(bytes.firstRange(of: gb("企业名称：坏?V?公司")) != nil)
        let cuts = bytes.indices.dropLast().filter { bytes[$0] == 0x1D && bytes[$0 + 1] == 0x56 }
        #expect(cuts.count == 1)
    }

    @Test func testPage_containsHeadingQRAndCut() {
        let bytes = ReceiptTestPage.render(paper: .mm58, cut: .full, qrPayload: "KIOSK-TEST", stamp: "2026-03-01")
        #expect(bytes.firstRange(of: gb("自助服务终端测试页")) != nil)
        #expect(bytes.firstRange(of: [0x1D, 0x28, 0x6B, 13, 0x00, 0x31, 0x50, 0x30] + Array("KIOSK-TEST".utf8)) != nil)
        #expect(Array(bytes.suffix(3)) == [0x1D, 0x56, 0x00])
    }
}

struct QueueTicketLayoutTests {
    @Test func render_80mm_matchesGoldenBytes() {
        let content = QueueTicketContent(
            serviceCategory: "企业登记", number: "A023", peopleWaiting: 5,
            time: Date(timeIntervalSince1970: 1_772_328_615),
            timeZone: TimeZone(secondsFromGMT: 8 * 3600)!, windowHint: "请到 3 号窗口办理")
        var expected: [UInt8] = escInit + fsChineseOn + alignCentre + boldOn + gb("企业登记") + lf + boldOff
        expected += [0x1D, 0x21, 0x33] + Array("A023".utf8) + lf + size1x1
        expected += gb("前面还有 5 人等候") + lf
        expected += Array("2026-03-01 09:30:15".utf8) + lf
        expected += gb("请到 3 号窗口办理") + lf
        expected += gb("过号请重新取号") + lf
        expected += alignLeft + [0x1B, 0x64, 0x02] + [0x1D, 0x56, 0x00]
        #expect(QueueTicketLayout.render(content, paper: .mm80, cut: .full) == expected)
    }

    @Test func render_negativeWaiting_printsZero() {
        let content = QueueTicketContent(
            serviceCategory: "A", number: "A001", peopleWaiting: -3, time: Date(timeIntervalSince1970: 0),
            timeZone: TimeZone(secondsFromGMT: 0)!, windowHint: "")
        let bytes = QueueTicketLayout.render(content, paper: .mm58, cut: .full)
        #expect(bytes.firstRange(of: gb("前面还有 0 人等候")) != nil)
    }
}
