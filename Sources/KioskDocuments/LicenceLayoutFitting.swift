/// Wraps a field's text into its box, shrinking the font until every line fits (经营范围 can run to hundreds of
/// characters). Chinese text may break between any two characters; a Latin word is kept whole when it fits a line.
struct LicenceTextFitter {
    let fonts: PDFFontSet
    /// Line pitch as a multiple of the font size.
    static let lineSpacing = 1.35
    static let sizeStep = 0.5
    /// Marks that must not begin a line.
    static let closingPunctuation: Set<String> = [
        "。", "，", "、", "；", "：", "！", "？", "）", "》", "」", "』", "】", ")", ",", ".", ";", ":",
    ]

    /// Greedy line filling; nil when a single character is wider than a line.
    func wrap(_ text: String, size: Double, firstWidth: Double, width: Double) -> [String]? {
        var lines: [String] = []
        var current = ""
        var currentWidth = 0.0
        var limit = firstWidth
        let tokens = tokenize(text)
        for token in tokens {
            let tokenWidth = fonts.width(of: token, size: size)
            if currentWidth + tokenWidth <= limit {
                current += token
                currentWidth += tokenWidth
                continue
            }
            if token == " " {
                lines.append(current)
                current = ""
                currentWidth = 0
                limit = width
                continue
            }
            if !current.isEmpty, tokenWidth <= width {
                // A closing mark never starts a line (避头): the character before it moves down with it.
                var carried = ""
                if LicenceTextFitter.closingPunctuation.contains(token), current.count > 1, let last = current.last {
                    carried = String(last)
                    current.removeLast()
                }
                lines.append(current)
                current = carried
                currentWidth = fonts.width(of: carried, size: size)
                limit = width
                if currentWidth + tokenWidth <= limit {
                    current += token
                    currentWidth += tokenWidth
                    continue
                }
            }
            // A word longer than a line: break it between characters.
            for character in token {
                let characterWidth = fonts.width(of: String(character), size: size)
                if characterWidth > width { return nil }
                if currentWidth + characterWidth > limit {
                    lines.append(current)
                    current = ""
                    currentWidth = 0
                    limit = width
                }
                current.append(character)
                currentWidth += characterWidth
            }
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        // A space where the line broke is not drawn.
        return lines.map { line in
            var line = line
            while line.last == " " { line.removeLast() }
            return line
        }
    }

    /// Runs of ASCII letters/digits stay together; every other character is its own token.
    private func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        var word = ""
        for character in text where character != "\n" && character != "\r" {
            if character.isASCII, character.isLetter || character.isNumber {
                word.append(character)
            } else {
                if !word.isEmpty { tokens.append(word) }
                word = ""
                tokens.append(String(character))
            }
        }
        if !word.isEmpty { tokens.append(word) }
        return tokens
    }
}
