/// Why a builder call could not encode what it was given.
public enum ESCPOSBuildError: Error, Equatable, Sendable, CustomStringConvertible {
    case barcodeDataInvalid(String)
    case qrPayloadTooLong(bytes: Int, limit: Int)
    case qrPayloadEmpty

    public var description: String {
        switch self {
        case .barcodeDataInvalid(let why): "CODE128 data rejected: \(why)"
        case .qrPayloadTooLong(let bytes, let limit):
            "QR payload is \(bytes) bytes; at most \(limit) fit a QR symbol — shorten the reference"
        case .qrPayloadEmpty: "QR payload is empty; a QR symbol needs at least one byte"
        }
    }
}

/// Builds an ESC/POS byte stream for a Chinese-mode thermal printer.
///
/// Pure: it appends bytes from `ESCPOSCommand`. Text goes through `ESCPOSText` (GB18030, unprintables replaced) and
/// `line(_:)` wraps at the paper's cell width, which follows the current character-size width.
public struct ESCPOSBuilder: Sendable {
    /// A QR model 2 symbol holds at most 2953 bytes (version 40, level L).
    public static let qrPayloadLimit = 2953

    public private(set) var bytes: [UInt8] = []
    public let paper: PaperWidth
    public let repertoire: TextRepertoire
    /// Characters replaced by `?` so far because the printer could not show them.
    public private(set) var replacedCharacterCount = 0
    private var widthMagnification = 1

    public init(paper: PaperWidth, repertoire: TextRepertoire = .gb18030) {
        self.paper = paper
        self.repertoire = repertoire
        bytes.reserveCapacity(1024)
    }

    /// Cells per line at the current character width.
    public var columns: Int { max(1, paper.columns / widthMagnification) }

    /// `ESC @` then `FS &`: a known state, in Chinese mode, whatever the printer was left in (§5.2).
    public mutating func initialize() {
        bytes += ESCPOSCommand.initialize
        bytes += ESCPOSCommand.chineseModeOn
        widthMagnification = 1
    }

    public mutating func chineseMode(_ on: Bool) {
        bytes += on ? ESCPOSCommand.chineseModeOn : ESCPOSCommand.chineseModeOff
    }

    /// Magnifications 1...8; wrapping follows the width.
    public mutating func characterSize(width: Int = 1, height: Int = 1) {
        bytes += ESCPOSCommand.characterSize(width: width, height: height)
        widthMagnification = min(8, max(1, width))
    }

    public mutating func bold(_ on: Bool) { bytes += ESCPOSCommand.bold(on) }
    public mutating func underline(_ style: ESCPOSUnderline) { bytes += ESCPOSCommand.underline(style) }
    public mutating func align(_ alignment: ESCPOSAlignment) { bytes += ESCPOSCommand.align(alignment) }
    public mutating func lineFeed() { bytes += ESCPOSCommand.lineFeed }

    /// `ESC d n`; more than 255 lines is sent as several commands.
    public mutating func feed(lines: Int) {
        var left = max(0, lines)
        while left > 0 {
            let step = min(255, left)
            bytes += ESCPOSCommand.feed(lines: UInt8(step))
            left -= step
        }
    }

    /// Text without a line feed and without wrapping (the caller knows it fits).
    public mutating func text(_ text: String) {
        let encoded = ESCPOSText(text, repertoire: repertoire)
        replacedCharacterCount += encoded.replacedCount
        bytes += encoded.bytes
    }

    /// Text wrapped at the paper width, each line ended by `LF`. Embedded newlines start new lines; an empty string
    /// feeds one blank line.
    public mutating func line(_ text: String) {
        for paragraph in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let encoded = ESCPOSText(String(paragraph), repertoire: repertoire)
            replacedCharacterCount += encoded.replacedCount
            for piece in encoded.wrapped(columns: columns) {
                bytes += piece
                bytes += ESCPOSCommand.lineFeed
            }
        }
    }

    /// A label on the left and a value on the right of one line, or on two lines when both do not fit.
    public mutating func pair(_ label: String, _ value: String) {
        let left = ESCPOSText(label, repertoire: repertoire)
        let right = ESCPOSText(value, repertoire: repertoire)
        let gap = columns - left.cellCount - right.cellCount
        guard gap >= 1 else {
            line(label)
            line(value)
            return
        }
        replacedCharacterCount += left.replacedCount + right.replacedCount
        bytes += left.bytes
        bytes += [UInt8](repeating: 0x20, count: gap)
        bytes += right.bytes
        bytes += ESCPOSCommand.lineFeed
    }

    /// A full-width rule of `-`.
    public mutating func rule() {
        bytes += [UInt8](repeating: 0x2D, count: columns)
        bytes += ESCPOSCommand.lineFeed
    }

    public mutating func cut(_ cut: ESCPOSCut) { bytes += ESCPOSCommand.cut(cut) }

    /// CODE128 code set B (printable ASCII) with height, module width and text position; `{B` is added here.
    public mutating func code128(_ data: String, height: UInt8 = 80, moduleWidth: UInt8 = 2,
                                 text: ESCPOSBarcodeText = .below) throws(ESCPOSBuildError) {
        let ascii = Array(data.utf8)
        guard !ascii.isEmpty else { throw .barcodeDataInvalid("no characters") }
        guard ascii.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw .barcodeDataInvalid("code set B takes printable ASCII only")
        }
        guard ascii.count <= 253 else { throw .barcodeDataInvalid("\(ascii.count) characters; at most 253") }
        bytes += ESCPOSCommand.barcodeHeight(height)
        bytes += ESCPOSCommand.barcodeModuleWidth(moduleWidth)
        bytes += ESCPOSCommand.barcodeTextPosition(text)
        bytes += ESCPOSCommand.code128([0x7B, 0x42] + ascii)
    }

    /// A QR symbol printed by the printer (`GS ( k`): model, module size, error correction, store, print. The payload
    /// goes as UTF-8 bytes.
    public mutating func qrCode(_ payload: String, model: ESCPOSQRModel = .model2, moduleSize: UInt8 = 6,
                                errorCorrection: ESCPOSQRErrorCorrection = .medium) throws(ESCPOSBuildError) {
        let data = Array(payload.utf8)
        guard !data.isEmpty else { throw .qrPayloadEmpty }
        guard data.count <= ESCPOSBuilder.qrPayloadLimit else {
            throw .qrPayloadTooLong(bytes: data.count, limit: ESCPOSBuilder.qrPayloadLimit)
        }
        bytes += ESCPOSCommand.qrModel(model)
        bytes += ESCPOSCommand.qrModuleSize(moduleSize)
        bytes += ESCPOSCommand.qrErrorCorrection(errorCorrection)
        bytes += ESCPOSCommand.qrStore(data)
        bytes += ESCPOSCommand.qrPrint
    }

    /// Bytes from `ESCPOSCommand` the builder has no verb for (presenter commands, `GS a`).
    public mutating func command(_ command: [UInt8]) { bytes += command }
}
