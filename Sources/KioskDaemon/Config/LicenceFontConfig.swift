import Foundation
import Glibc
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
        let data: Data
        switch mapped(path) {
        case .success(let mapping): data = mapping
        case .failure(let why): throw ConfigError(file: file, keyPath: key, problem: "font file \(path) \(why)\(hint)")
        }
        do {
            return .embedded(try PDFTrueTypeFont(data: data, face: face))
        } catch {
            throw ConfigError(file: file, keyPath: key, problem: "\(path): \(error)")
        }
    }

    struct MapFailure: Error, CustomStringConvertible { let description: String }

    /// The file mapped read-only rather than read: three CJK fonts are 74 MB, of which a licence touches a few
    /// pages (the idle RSS budget is 25 MB, docs/ARCHITECTURE.md §13). Unmapped when the last `Data` goes.
    private static func mapped(_ path: String) -> Result<Data, MapFailure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            return .failure(
                MapFailure(
                    description: errno == ENOENT
                        ? "does not exist" : "cannot be opened (\(String(cString: strerror(errno))))"))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            return .failure(MapFailure(description: "is not a regular file"))
        }
        let size = Int(info.st_size)
        guard size > 0, size <= PDFTrueTypeFont.maximumByteCount else {
            return .failure(MapFailure(description: "is \(size) bytes, outside 1…\(PDFTrueTypeFont.maximumByteCount)"))
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            return .failure(MapFailure(description: "cannot be read (\(String(cString: strerror(errno))))"))
        }
        return .success(Data(bytesNoCopy: address, count: size, deallocator: .custom { munmap($0, $1) }))
    }
}
