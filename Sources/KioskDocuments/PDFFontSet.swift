/// The fonts one page draws with: the configured font first, and STSong-Light for every character the configured
/// font lacks (a CJK font file often has no Latin digits; STSong-Light is referenced, never missing a code).
struct PDFFontSet: Sendable {
    let fonts: [PDFFont]

    init(primary: PDFFont) {
        if case .embedded = primary {
            fonts = [primary, .standardSong]
        } else {
            fonts = [primary]
        }
    }

    /// The resource name of font `index` in the page's /Font dictionary.
    static func resource(_ index: Int) -> String { "F\(index + 1)" }

    /// Which font draws `scalar`.
    func fontIndex(for scalar: Unicode.Scalar) -> Int {
        for (index, font) in fonts.enumerated()
        where index == fonts.count - 1 || font.missingCharacters(in: String(scalar)).isEmpty {
            return index
        }
        return fonts.count - 1
    }

    func width(of text: String, size: Double) -> Double {
        text.unicodeScalars.reduce(0) { $0 + fonts[fontIndex(for: $1)].advance(of: $1) } * size / 1000
    }

    /// `text` split into runs of one font each, in order.
    func runs(_ text: String) -> [(font: Int, text: String)] {
        var runs: [(font: Int, text: String)] = []
        for scalar in text.unicodeScalars {
            let index = fontIndex(for: scalar)
            if let last = runs.last, last.font == index {
                runs[runs.count - 1].text.unicodeScalars.append(scalar)
            } else {
                runs.append((index, String(scalar)))
            }
        }
        return runs
    }
}
