import Foundation

/// Assembles a PDF 1.7 file from numbered objects: header, bodies, cross-reference table, trailer. Pure: the
/// same objects always give the same bytes (no creation date, no random file id).
struct PDFWriter {
    private var bodies: [[UInt8]?] = []

    /// Reserves an object number to be filled later (for objects that refer to each other).
    mutating func reserve() -> Int {
        bodies.append(nil)
        return bodies.count
    }

    /// Adds an object whose body is `text`; returns its number.
    mutating func add(_ text: String) -> Int {
        let id = reserve()
        set(id, text)
        return id
    }

    mutating func set(_ id: Int, _ text: String) { bodies[id - 1] = Array(text.utf8) }

    /// Adds a stream object with `dictionary` entries (without /Length) and raw `data`.
    mutating func addStream(_ dictionary: String, _ data: [UInt8]) -> Int {
        let id = reserve()
        setStream(id, dictionary, data)
        return id
    }

    /// Adds a stream stored Flate-compressed (/FlateDecode).
    mutating func addCompressedStream(_ dictionary: String, _ data: [UInt8]) -> Int {
        let id = reserve()
        setStream(id, (dictionary.isEmpty ? "" : dictionary + " ") + "/Filter /FlateDecode", FlateEncoder.zlib(data))
        return id
    }

    mutating func setStream(_ id: Int, _ dictionary: String, _ data: [UInt8]) {
        var body = Array("<< \(dictionary) /Length \(data.count) >>\nstream\n".utf8)
        body += data
        body += Array("\nendstream".utf8)
        bodies[id - 1] = body
    }

    /// The file, with `root` as the document catalog. Unfilled reservations become null objects.
    func finish(root: Int) -> [UInt8] {
        // The binary comment tells transfer tools the file is not plain text.
        var out: [UInt8] = Array("%PDF-1.7\n%".utf8) + [0xE2, 0xE3, 0xCF, 0xD3, 0x0A]
        var offsets: [Int] = []
        for (index, body) in bodies.enumerated() {
            offsets.append(out.count)
            out += Array("\(index + 1) 0 obj\n".utf8)
            out += body ?? Array("null".utf8)
            out += Array("\nendobj\n".utf8)
        }
        let xref = out.count
        var table = "xref\n0 \(bodies.count + 1)\n0000000000 65535 f \n"
        for offset in offsets {
            let digits = String(offset)
            table += String(repeating: "0", count: 10 - digits.count) + digits + " 00000 n \n"
        }
        table += "trailer\n<< /Size \(bodies.count + 1) /Root \(root) 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        out += Array(table.utf8)
        return out
    }
}

/// Numbers as PDF writes them: at most three decimals, no exponent, no trailing zeros.
func pdfNumber(_ value: Double) -> String {
    let rounded = (value * 1000).rounded() / 1000
    if rounded == rounded.rounded() { return String(Int(rounded)) }
    var text = String(format: "%.3f", rounded)
    while text.hasSuffix("0") { text.removeLast() }
    return text
}

/// A PDF literal string `( ... )` for ASCII text, with the delimiters escaped.
func pdfLiteral(_ text: String) -> String {
    var out = "("
    for scalar in text.unicodeScalars where scalar.isASCII {
        switch scalar {
        case "(", ")", "\\": out += "\\\(scalar)"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + ")"
}
