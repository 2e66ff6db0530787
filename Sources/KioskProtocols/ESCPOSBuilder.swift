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

    /// `ESC @` then `FS &`: a known state, in Chinese mode, whatever the printer was left in (docs/device-protocols.md
    /// §5.2).
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
        replacedCharacterCount += ESCPOSText.append(text, repertoire: repertoire, to: &bytes).replaced
    }

    /// Text wrapped at the paper width, each line ended by `LF`. Embedded newlines start new lines; an empty string
    /// feeds one blank line.
    public mutating func line(_ text: String) {
        let start = bytes.count
        if let (replaced, cells) = ESCPOSText.appendUnlessLineBreak(text, repertoire: repertoire, to: &bytes) {
            finishLine(from: start, replaced: replaced, cells: cells)
            return
        }
        for paragraph in ESCPOSBuilder.paragraphs(text) {
            let start = bytes.count
            let (replaced, cells) = ESCPOSText.append(paragraph, repertoire: repertoire, to: &bytes)
            finishLine(from: start, replaced: replaced, cells: cells)
        }
    }

    /// Ends the line encoded from `start`; only a line wider than the paper is taken back out and wrapped.
    private mutating func finishLine(from start: Int, replaced: Int, cells: Int) {
        replacedCharacterCount += replaced
        if cells > columns {
            let encoded = ESCPOSText(encoded: Array(bytes[start...]), replacedCount: replaced)
            bytes.removeSubrange(start...)
            for piece in encoded.wrapped(columns: columns) {
                bytes += piece
                bytes.append(ESCPOSCommand.lineFeedByte)
            }
        } else {
            bytes.append(ESCPOSCommand.lineFeedByte)
        }
    }

    /// `text` split at line breaks (LF, CR, CR LF, VT, FF, NEL, U+2028, U+2029); one piece when there are none.
    static func paragraphs(_ text: String) -> [String] {
        let scalars = text.unicodeScalars
        guard scalars.contains(where: isLineBreak) else { return [text] }
        var pieces: [String] = []
        var current = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in scalars {
            if scalar == "\n" && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = scalar == "\r"
            if isLineBreak(scalar) {
                pieces.append(String(current))
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        pieces.append(String(current))
        return pieces
    }

    private static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029: true
        default: false
        }
    }

    /// A label on the left and a value on the right of one line, or on two lines when both do not fit.
    public mutating func pair(_ label: String, _ value: String) {
        let columns = self.columns
        let fitted = ESCPOSText.withEncoded(label, repertoire: repertoire) { left, leftReplaced, leftCells in
            ESCPOSText.withEncoded(value, repertoire: repertoire) { right, rightReplaced, rightCells in
                let gap = columns - leftCells - rightCells
                guard gap >= 1 else { return false }
                replacedCharacterCount += leftReplaced + rightReplaced
                bytes.append(contentsOf: left)
                bytes.append(contentsOf: repeatElement(0x20, count: gap))
                bytes.append(contentsOf: right)
                bytes.append(ESCPOSCommand.lineFeedByte)
                return true
            }
        }
        if !fitted {
            line(label)
            line(value)
        }
    }

    /// A full-width rule of `-`.
    public mutating func rule() {
        bytes.append(contentsOf: repeatElement(0x2D, count: columns))
        bytes.append(ESCPOSCommand.lineFeedByte)
    }

    public mutating func cut(_ cut: ESCPOSCut) { bytes += ESCPOSCommand.cut(cut) }

    /// CODE128 code set B (printable ASCII) with height, module width and text position; `{B` is added here.
    public mutating func code128(
        _ data: String, height: UInt8 = 80, moduleWidth: UInt8 = 2,
        text: ESCPOSBarcodeText = .below
    ) throws(ESCPOSBuildError) {
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
    public mutating func qrCode(
        _ payload: String, model: ESCPOSQRModel = .model2, moduleSize: UInt8 = 6,
        errorCorrection: ESCPOSQRErrorCorrection = .medium
    ) throws(ESCPOSBuildError) {
        let count = payload.utf8.count
        guard count > 0 else { throw .qrPayloadEmpty }
        guard count <= ESCPOSBuilder.qrPayloadLimit else {
            throw .qrPayloadTooLong(bytes: count, limit: ESCPOSBuilder.qrPayloadLimit)
        }
        bytes += ESCPOSCommand.qrModel(model)
        bytes += ESCPOSCommand.qrModuleSize(moduleSize)
        bytes += ESCPOSCommand.qrErrorCorrection(errorCorrection)
        bytes += ESCPOSCommand.qrStoreHeader(dataCount: count)
        bytes.append(contentsOf: payload.utf8)
        bytes += ESCPOSCommand.qrPrint
    }

    /// Bytes from `ESCPOSCommand` the builder has no verb for (presenter commands, `GS a`).
    public mutating func command(_ command: [UInt8]) { bytes += command }
}
