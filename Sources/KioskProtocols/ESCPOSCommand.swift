/// Every ESC/POS command kioskd sends, named once (docs/device-protocols.md §2). Builders, drivers and simulators use
/// these names, so a byte value lives in exactly one place.
public enum ESCPOSCommand {
    /// `ESC @`: clears the print buffer and resets modes (§2.1).
    public static let initialize: [UInt8] = [0x1B, 0x40]
    /// `LF`: prints the line buffer and feeds one line (§2.1).
    public static let lineFeed: [UInt8] = [lineFeedByte]
    /// The same `LF` as a single byte, for the builder's hot path.
    public static let lineFeedByte: UInt8 = 0x0A
    /// `FS &`: bytes ≥ 0x80 are read as two-byte GB codes (§2.2). 汉字模式 — Chinese mode.
    public static let chineseModeOn: [UInt8] = [0x1C, 0x26]
    /// `FS .`: back to single-byte code-page text (§2.2).
    public static let chineseModeOff: [UInt8] = [0x1C, 0x2E]

    /// `GS ! n`: character size; low nibble height − 1, high nibble width − 1 (§2.1). Magnifications are clamped to 1...8.
    @inline(__always) public static func characterSize(width: Int, height: Int) -> [UInt8] {
        characterSizes[(min(8, max(1, width)) - 1) * 8 + (min(8, max(1, height)) - 1)]
    }
    // Parametrised commands are built once into tables, so the builder appends without allocating.
    private static let characterSizes: [[UInt8]] = (0..<64).map { [0x1D, 0x21, UInt8((($0 / 8) << 4) | ($0 % 8))] }

    /// `ESC E n` (§2.1).
    @inline(__always) public static func bold(_ on: Bool) -> [UInt8] { on ? boldOn : boldOff }
    private static let boldOn: [UInt8] = [0x1B, 0x45, 0x01]
    private static let boldOff: [UInt8] = [0x1B, 0x45, 0x00]

    /// `ESC - n` (§2.1).
    @inline(__always) public static func underline(_ style: ESCPOSUnderline) -> [UInt8] {
        underlines[Int(style.rawValue)]
    }
    private static let underlines: [[UInt8]] = ESCPOSUnderline.allCases.map { [0x1B, 0x2D, $0.rawValue] }

    /// `ESC a n` (§2.1).
    @inline(__always) public static func align(_ alignment: ESCPOSAlignment) -> [UInt8] {
        alignments[Int(alignment.rawValue)]
    }
    private static let alignments: [[UInt8]] = ESCPOSAlignment.allCases.map { [0x1B, 0x61, $0.rawValue] }

    /// `ESC d n`: prints the buffer and feeds `lines` lines (§2.1).
    @inline(__always) public static func feed(lines: UInt8) -> [UInt8] { feeds[Int(lines)] }
    private static let feeds: [[UInt8]] = (0...255).map { [0x1B, 0x64, UInt8($0)] }

    /// `GS V` in its four forms (§2.1); which one a model understands is a profile setting (§5.2).
    @inline(__always) public static func cut(_ cut: ESCPOSCut) -> [UInt8] {
        switch cut {
        case .full: [0x1D, 0x56, 0x00]
        case .partial: [0x1D, 0x56, 0x01]
        case .fullAfterFeed(let dots): fullCutsAfterFeed[Int(dots)]
        case .partialAfterFeed(let dots): partialCutsAfterFeed[Int(dots)]
        }
    }
    private static let fullCutsAfterFeed: [[UInt8]] = (0...255).map { [0x1D, 0x56, 0x41, UInt8($0)] }
    private static let partialCutsAfterFeed: [[UInt8]] = (0...255).map { [0x1D, 0x56, 0x42, UInt8($0)] }

    /// `GS h n`: 1-D barcode height in dots (§2.4).
    @inline(__always) public static func barcodeHeight(_ dots: UInt8) -> [UInt8] { [0x1D, 0x68, max(1, dots)] }
    /// `GS w n`: 1-D barcode module width, 2...6 (§2.4).
    @inline(__always) public static func barcodeModuleWidth(_ dots: UInt8) -> [UInt8] {
        [0x1D, 0x77, min(6, max(2, dots))]
    }
    /// `GS H n`: where the human-readable text goes (§2.4).
    @inline(__always) public static func barcodeTextPosition(_ position: ESCPOSBarcodeText) -> [UInt8] {
        [0x1D, 0x48, position.rawValue]
    }
    /// `GS k 73 n d1…dn`: CODE128, function B (§2.4). `data` already starts with `{A`, `{B` or `{C`; at most 255 bytes.
    @inline(__always) public static func code128(_ data: [UInt8]) -> [UInt8] {
        [0x1D, 0x6B, 73, UInt8(min(255, data.count))] + data.prefix(255)
    }

    /// `GS ( k` fn 65: QR model (§2.3).
    @inline(__always) public static func qrModel(_ model: ESCPOSQRModel) -> [UInt8] {
        qrModels[Int(model.rawValue - 0x31)]
    }
    private static let qrModels: [[UInt8]] = ESCPOSQRModel.allCases.map {
        [0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, $0.rawValue, 0x00]
    }
    /// `GS ( k` fn 67: module size in dots, 1...16 (§2.3).
    @inline(__always) public static func qrModuleSize(_ dots: UInt8) -> [UInt8] {
        qrModuleSizes[Int(min(16, max(1, dots)))]
    }
    private static let qrModuleSizes: [[UInt8]] = (0...16).map {
        [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, UInt8($0)]
    }
    /// `GS ( k` fn 69: error-correction level (§2.3).
    @inline(__always) public static func qrErrorCorrection(_ level: ESCPOSQRErrorCorrection) -> [UInt8] {
        qrErrorCorrections[Int(level.rawValue - 0x30)]
    }
    private static let qrErrorCorrections: [[UInt8]] = ESCPOSQRErrorCorrection.allCases.map {
        [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, $0.rawValue]
    }
    /// `GS ( k` fn 80: stores `data` in the symbol buffer; pL + 256·pH = k + 3 (§2.3). `data.count` ≤ 65532.
    public static func qrStore(_ data: [UInt8]) -> [UInt8] {
        qrStoreHeader(dataCount: data.count) + data.prefix(65532)
    }
    /// The eight bytes of fn 80 before the data, for `dataCount` data bytes (at most 65532).
    @inline(__always) public static func qrStoreHeader(dataCount: Int) -> [UInt8] {
        let length = min(max(0, dataCount), 65532) + 3
        return [0x1D, 0x28, 0x6B, UInt8(length & 0xFF), UInt8(length >> 8), 0x31, 0x50, 0x30]
    }
    /// `GS ( k` fn 81: prints the stored symbol (§2.3).
    public static let qrPrint: [UInt8] = [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]

    /// `DLE EOT n`: asks for one real-time status byte; answered even while the printer is offline (§2.5).
    @inline(__always) public static func realTimeStatus(_ request: ESCPOSRealTimeStatusRequest) -> [UInt8] {
        [0x10, 0x04, request.rawValue]
    }
    /// `GS a n`: automatic status back; n = 0 turns it off (§2.6).
    @inline(__always) public static func automaticStatusBack(_ mask: UInt8) -> [UInt8] { [0x1D, 0x61, mask] }
    /// `DLE EOT 20`: Custom "FULL status", six bytes back (§2.7).
    public static let customFullStatus: [UInt8] = [0x10, 0x04, 0x14]

    /// `GS e 2`: retract the presented ticket (Custom / KPM / Reliance, §2.7).
    public static let presenterRetract: [UInt8] = [0x1D, 0x65, 0x02]
    /// `GS e 3 m`: present the ticket with `steps` steps; the step length is per model (§2.7).
    @inline(__always) public static func presenterPresent(steps: UInt8) -> [UInt8] { [0x1D, 0x65, 0x03, steps] }
    /// `GS e 5`: eject the ticket (§2.7).
    public static let presenterEject: [UInt8] = [0x1D, 0x65, 0x05]
    /// `GS e 6`: one ejector status byte back (§2.7).
    public static let presenterStatus: [UInt8] = [0x1D, 0x65, 0x06]
}

/// `ESC - n` values.
public enum ESCPOSUnderline: UInt8, Sendable, CaseIterable {
    case off = 0, single = 1, double = 2
}

/// `ESC a n` values.
public enum ESCPOSAlignment: UInt8, Sendable, CaseIterable {
    case left = 0, centre = 1, right = 2
}

/// The `GS V` variants (§2.1).
public enum ESCPOSCut: Sendable, Hashable {
    case full, partial
    /// Feed `dots` then cut.
    case fullAfterFeed(UInt8), partialAfterFeed(UInt8)
}

/// `GS H n` values.
public enum ESCPOSBarcodeText: UInt8, Sendable, CaseIterable {
    case none = 0, above = 1, below = 2, both = 3
}

/// `GS ( k` fn 65 model values (§2.3).
public enum ESCPOSQRModel: UInt8, Sendable, CaseIterable {
    case model1 = 0x31, model2 = 0x32, micro = 0x33
}

/// `GS ( k` fn 69 values (§2.3).
public enum ESCPOSQRErrorCorrection: UInt8, Sendable, CaseIterable {
    case low = 0x30, medium = 0x31, quartile = 0x32, high = 0x33
}

/// The `n` of `DLE EOT n` (§2.5).
public enum ESCPOSRealTimeStatusRequest: UInt8, Sendable, CaseIterable, Codable {
    case printer = 1, offlineCause = 2, errorCause = 3, rollPaper = 4
}
