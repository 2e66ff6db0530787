import Foundation

/// The licence printer's test page for `selftest licencePrinter --print`: one A3 page with a frame 10 mm inside the
/// edge and a line of ASCII text, so the technician sees where the printer places the image on the sheet. Written
/// directly (a few PDF objects in the standard Helvetica), with no citizen data and no font file needed.
enum SelftestTestPage {
    /// A3 portrait in points.
    static let width = 842
    static let height = 1191

    static func pdf(text: String = "kioskd licence printer selftest") -> [UInt8] {
        let margin = 28  // 10 mm
        let safe = text.unicodeScalars.filter { $0.isASCII && $0 != "(" && $0 != ")" && $0 != "\\" }
        let content = """
            2 w \(margin) \(margin) \(width - 2 * margin) \(height - 2 * margin) re S
            BT /F1 24 Tf \(margin + 30) \(height - margin - 60) Td (\(String(String.UnicodeScalarView(safe)))) Tj ET
            """
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 \(width) \(height)] /Resources << /Font << /F1 5 0 R >> >> "
                + "/Contents 4 0 R >>",
            "<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        var document = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(document.utf8.count)
            document += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = document.utf8.count
        document += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { document += String(format: "%010d 00000 n \n", offset) }
        document += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Array(document.utf8)
    }
}
