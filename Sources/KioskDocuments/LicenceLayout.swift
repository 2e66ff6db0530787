/// Which sheet is printed: the 正本 (original, A3 landscape) or the 副本 (duplicate, A4 landscape).
public enum LicenceCopy: String, Sendable, Codable, CaseIterable {
    case original, duplicate

    /// The IPP media keyword the sheet is printed on.
    public var media: String { self == .original ? "iso_a3_297x420mm" : "iso_a4_210x297mm" }
}

/// Where each printed field of a licence goes on the pre-printed paper, in millimetres from the sheet's top-left
/// corner, plus the technician's calibration offset (printers place the image a few millimetres differently).
public struct LicenceLayoutProfile: Sendable, Hashable, Codable {
    /// A field's box: text wraps inside it and shrinks from `largestFontSize` down to `smallestFontSize` (points)
    /// until it fits.
    public struct Box: Sendable, Hashable, Codable {
        public var x: Double
        public var y: Double
        public var width: Double
        public var height: Double
        public var largestFontSize: Double
        public var smallestFontSize: Double

        public init(
            x: Double, y: Double, width: Double, height: Double, largestFontSize: Double = 14,
            smallestFontSize: Double = 7
        ) {
            self.x = x
            self.y = y
            self.width = width
            self.height = height
            self.largestFontSize = largestFontSize
            self.smallestFontSize = smallestFontSize
        }

        func scaled(by factor: Double) -> Box {
            Box(
                x: x * factor, y: y * factor, width: width * factor, height: height * factor,
                largestFontSize: largestFontSize * factor, smallestFontSize: smallestFontSize * factor)
        }
    }

    public var pageWidth: Double
    public var pageHeight: Double
    /// Calibration: positive moves everything right / down, in millimetres.
    public var offsetX: Double
    public var offsetY: Double
    /// 统一社会信用代码, top left.
    public var creditCode: Box
    /// 二维码, top right; the symbol is drawn square in the smaller of width and height.
    public var qrCode: Box
    /// 名称.
    public var name: Box
    /// 类型.
    public var entityType: Box
    /// 法定代表人 / 经营者.
    public var representative: Box
    /// 经营范围.
    public var businessScope: Box
    /// 注册资本.
    public var registeredCapital: Box
    /// 成立日期 / 注册日期.
    public var establishedOn: Box
    /// 营业期限.
    public var businessTerm: Box
    /// 住所 / 经营场所.
    public var address: Box
    /// 登记机关 and the date, under the seal area.
    public var registrationAuthority: Box
    /// The 副本's annual-report reminder line; nil on the original.
    public var annualReportNotice: Box?

    /// The A3 landscape original (420 × 297 mm) with the usual two-column field area under the printed title.
    public static let originalA3 = LicenceLayoutProfile(
        pageWidth: 420, pageHeight: 297, offsetX: 0, offsetY: 0,
        creditCode: Box(x: 30, y: 32, width: 140, height: 16, largestFontSize: 14, smallestFontSize: 9),
        qrCode: Box(x: 345, y: 25, width: 45, height: 45),
        name: Box(x: 55, y: 118, width: 150, height: 14),
        entityType: Box(x: 55, y: 134, width: 150, height: 10),
        representative: Box(x: 55, y: 146, width: 150, height: 10),
        businessScope: Box(x: 55, y: 158, width: 150, height: 80, largestFontSize: 13, smallestFontSize: 5),
        registeredCapital: Box(x: 220, y: 118, width: 150, height: 10),
        establishedOn: Box(x: 220, y: 130, width: 150, height: 10),
        businessTerm: Box(x: 220, y: 142, width: 150, height: 10),
        address: Box(x: 220, y: 154, width: 150, height: 24),
        registrationAuthority: Box(x: 280, y: 236, width: 95, height: 22, largestFontSize: 13, smallestFontSize: 7),
        annualReportNotice: nil)

    /// The A4 landscape duplicate (297 × 210 mm): the original's layout scaled to the smaller sheet, plus the
    /// annual-report reminder at the foot.
    public static let duplicateA4: LicenceLayoutProfile = {
        var profile = originalA3.scaled(by: 297.0 / 420.0)
        profile.annualReportNotice = Box(x: 20, y: 192, width: 257, height: 8, largestFontSize: 8, smallestFontSize: 5)
        return profile
    }()

    public static func standard(for copy: LicenceCopy) -> LicenceLayoutProfile {
        copy == .original ? originalA3 : duplicateA4
    }

    /// Every box scaled by `factor` (positions, sizes and font sizes); the offset is kept.
    public func scaled(by factor: Double) -> LicenceLayoutProfile {
        LicenceLayoutProfile(
            pageWidth: (pageWidth * factor).rounded(), pageHeight: (pageHeight * factor).rounded(), offsetX: offsetX,
            offsetY: offsetY,
            creditCode: creditCode.scaled(by: factor), qrCode: qrCode.scaled(by: factor), name: name.scaled(by: factor),
            entityType: entityType.scaled(by: factor), representative: representative.scaled(by: factor),
            businessScope: businessScope.scaled(by: factor), registeredCapital: registeredCapital.scaled(by: factor),
            establishedOn: establishedOn.scaled(by: factor), businessTerm: businessTerm.scaled(by: factor),
            address: address.scaled(by: factor), registrationAuthority: registrationAuthority.scaled(by: factor),
            annualReportNotice: annualReportNotice?.scaled(by: factor))
    }

    public init(
        pageWidth: Double, pageHeight: Double, offsetX: Double, offsetY: Double, creditCode: Box, qrCode: Box,
        name: Box,
        entityType: Box, representative: Box, businessScope: Box, registeredCapital: Box, establishedOn: Box,
        businessTerm: Box, address: Box, registrationAuthority: Box, annualReportNotice: Box?
    ) {
        self.pageWidth = pageWidth
        self.pageHeight = pageHeight
        self.offsetX = offsetX
        self.offsetY = offsetY
        self.creditCode = creditCode
        self.qrCode = qrCode
        self.name = name
        self.entityType = entityType
        self.representative = representative
        self.businessScope = businessScope
        self.registeredCapital = registeredCapital
        self.establishedOn = establishedOn
        self.businessTerm = businessTerm
        self.address = address
        self.registrationAuthority = registrationAuthority
        self.annualReportNotice = annualReportNotice
    }
}
