/// The fonts a page draws with, in order: each character is drawn by the first font that has it (the configured
/// CJK font, then the fallback for rare characters such as CJK extension B). A character no font has cannot be
/// drawn: the renderer refuses the licence naming the field rather than print .notdef boxes. Blank characters no
/// font has are left as space.
public struct PDFFontSet: Sendable {
    public let fonts: [PDFFont]

    public init(_ fonts: [PDFFont]) {
        precondition(!fonts.isEmpty, "a page needs a font")
        self.fonts = fonts
    }

    init(primary: PDFFont) { self.init([primary]) }

    /// The resource name of font `index` in the page's /Font dictionary.
    static func resource(_ index: Int) -> String { "F\(index + 1)" }

    /// Which font draws `scalar`; nil when none has it.
    func fontIndex(for scalar: Unicode.Scalar) -> Int? {
        fonts.firstIndex { $0.draws(scalar) }
    }

    /// The first visible character of `text` no font can draw.
    func firstUndrawable(in text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first { !$0.properties.isWhitespace && fontIndex(for: $0) == nil }
    }

    func advance(of scalar: Unicode.Scalar) -> Double {
        guard let index = fontIndex(for: scalar) else { return scalar.isASCII ? 500 : 1000 }
        return fonts[index].advance(of: scalar)
    }

    func width(of text: String, size: Double) -> Double {
        text.unicodeScalars.reduce(0) { $0 + advance(of: $1) } * size / 1000
    }

    /// `text` split into runs of one font each, in order; a nil font is blank space no font has a glyph for.
    func runs(_ text: String) -> [(font: Int?, text: String)] {
        var runs: [(font: Int?, text: String)] = []
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
