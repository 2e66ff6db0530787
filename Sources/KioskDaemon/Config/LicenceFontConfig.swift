import Foundation
import KioskDocuments

/// Which fonts the licence is set in (`licence.fontPath`, `licence.fontFace`, `licence.fallbackFontPaths`,
/// `licence.standardSong`): by default a subset of Debian's AR PL UMing (fonts-arphic-uming) is embedded, with
/// HanaMin A and B (fonts-hanazono) for the rare characters UMing lacks (CJK extension A in the BMP, extension B and
/// later in plane 2), so the licence prints the same on a host without CJK fonts (docs/ARCHITECTURE.md §4.8).
public struct LicenceFontConfig: Sendable, Hashable {
    public static let defaultFontPath = "/usr/share/fonts/truetype/arphic/uming.ttc"
    public static let defaultFallbackFontPaths = [
        "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf", "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",
    ]

    /// The primary font (.ttf or .ttc); nil with `standardSong`.
    public var fontPath: String? = LicenceFontConfig.defaultFontPath
    /// The face of a collection: `AR PL UMing CN` is face 0 of uming.ttc.
    public var face: TrueTypeFace = .index(0)
    /// Tried in order for characters the primary font lacks; `[]` for none.
    public var fallbackFontPaths = LicenceFontConfig.defaultFallbackFontPaths
    /// STSong-Light referenced by name, not embedded: the printer or viewer must have a CJK font of its own.
    public var standardSong = false

    public init() {}

    static let keys: Set<String> = ["fontPath", "fontFace", "fallbackFontPaths", "standardSong"]

    /// Reads the font keys of the `licence` object.
    init(_ licence: ConfigReader) throws(ConfigError) {
        standardSong = try licence.bool("standardSong", default: false)
        if standardSong {
            try licence.refuseKeys(
                notIn: ["standardSong", "printDeadlineSeconds"],
                because: "standardSong references STSong-Light without embedding any font file")
            fontPath = nil
            fallbackFontPaths = []
            return
        }
        fontPath = try licence.string("fontPath", default: LicenceFontConfig.defaultFontPath)
        if licence.has("fontFace") {
            if let index = try? licence.integer("fontFace", in: 0...1023) {
                face = .index(index)
            } else if let name = try? licence.string("fontFace", maxLength: 200) {
                face = .name(name)
            } else {
                throw licence.error(
                    "fontFace", "expected a face index (0 is the first face) or a face name such as \"AR PL UMing CN\"")
            }
        }
        fallbackFontPaths =
            try licence.optionalStrings("fallbackFontPaths") ?? LicenceFontConfig.defaultFallbackFontPaths
    }

    /// Reads and checks the configured font files; a missing, unreadable or unusable one is a config error naming
    /// its key (and, for the defaults, the Debian package that provides it).
    public func load(file: String) throws(ConfigError) -> PDFFontSet {
        if standardSong { return PDFFontSet([.standardSong]) }
        var fonts: [PDFFont] = []
        if let fontPath {
            fonts.append(
                try Self.embedded(
                    fontPath, face: face, key: "licence.fontPath", package: "fonts-arphic-uming",
                    isDefault: fontPath == Self.defaultFontPath, file: file))
        }
        for (index, path) in fallbackFontPaths.enumerated() {
            fonts.append(
                try Self.embedded(
                    path, face: .index(0), key: "licence.fallbackFontPaths[\(index)]", package: "fonts-hanazono",
                    isDefault: Self.defaultFallbackFontPaths.contains(path), file: file))
        }
        return PDFFontSet(fonts)
    }

    private static func embedded(
        _ path: String, face: TrueTypeFace, key: String, package: String, isDefault: Bool, file: String
    ) throws(ConfigError) -> PDFFont {
        let hint = isDefault ? " (install the Debian package \(package))" : ""
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? Int
        else {
            throw ConfigError(file: file, keyPath: key, problem: "font file \(path) does not exist\(hint)")
        }
        guard size <= PDFTrueTypeFont.maximumByteCount else {
            throw ConfigError(
                file: file, keyPath: key,
                problem: "font file \(path) is \(size) bytes, over the \(PDFTrueTypeFont.maximumByteCount) limit")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: file, keyPath: key, problem: "font file \(path) cannot be read\(hint)")
        }
        do {
            return .embedded(try PDFTrueTypeFont(bytes: [UInt8](data), face: face))
        } catch {
            throw ConfigError(file: file, keyPath: key, problem: "\(path): \(error)")
        }
    }
}
