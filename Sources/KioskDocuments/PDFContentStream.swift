/// The drawing operators of one page, in points (1/72 inch) from the bottom-left corner.
struct PDFContentStream {
    private(set) var bytes: [UInt8] = []

    static let pointsPerMillimetre = 72.0 / 25.4

    private mutating func emit(_ line: String) { bytes += Array((line + "\n").utf8) }

    /// Shows `codes` (already encoded for `fontResource`) with the baseline starting at (x, y).
    mutating func showText(_ codes: [UInt8], fontResource: String, size: Double, x: Double, y: Double) {
        var hex = "<"
        for byte in codes {
            hex += String(byte, radix: 16, uppercase: true).count == 1 ? "0" : ""
            hex += String(byte, radix: 16, uppercase: true)
        }
        hex += ">"
        emit("BT /\(fontResource) \(pdfNumber(size)) Tf \(pdfNumber(x)) \(pdfNumber(y)) Td \(hex) Tj ET")
    }

    /// Fills each rectangle (x, y, width, height) in black.
    mutating func fillRectangles(_ rectangles: [(Double, Double, Double, Double)]) {
        guard !rectangles.isEmpty else { return }
        emit("0 g")
        for (x, y, width, height) in rectangles {
            emit("\(pdfNumber(x)) \(pdfNumber(y)) \(pdfNumber(width)) \(pdfNumber(height)) re")
        }
        emit("f")
    }
}
