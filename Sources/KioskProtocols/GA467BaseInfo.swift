/// The parts of a read-base-info reply (`30 01` / `30 10`, docs/device-protocols.md §1.6): the 256-byte text block, the
/// 1024-byte WLT photo and, for `30 10`, the fingerprint templates. Lengths are taken from the reply itself (bytes
/// 10–15 of the frame), never assumed.
public struct GA467BaseInfo: Sendable, Hashable, CustomStringConvertible {
    public var text: [UInt8]
    public var photo: [UInt8]
    /// Nil for `30 01`; empty when a `30 10` reply carries fpLen = 0.
    public var fingerprint: [UInt8]?

    public init(text: [UInt8], photo: [UInt8], fingerprint: [UInt8]? = nil) {
        self.text = text
        self.photo = photo
        self.fingerprint = fingerprint
    }

    /// Parses the DATA of a successful reply. `withFingerprint` says whether the request was `30 10` (three length
    /// fields) or `30 01` (two).
    public init(replyData data: [UInt8], withFingerprint: Bool) throws(GA467Error) {
        let fields = withFingerprint ? 3 : 2
        let headerSize = fields * 2
        guard data.count >= headerSize else {
            throw .baseInfoLengthsMismatch(declared: headerSize, available: data.count)
        }
        func length(_ index: Int) -> Int { Int(data[index * 2]) << 8 | Int(data[index * 2 + 1]) }
        let textLength = length(0)
        let photoLength = length(1)
        let fingerprintLength = withFingerprint ? length(2) : 0
        let declared = headerSize + textLength + photoLength + fingerprintLength
        guard declared <= data.count else { throw .baseInfoLengthsMismatch(declared: declared, available: data.count) }
        let textStart = headerSize
        let photoStart = textStart + textLength
        let fingerprintStart = photoStart + photoLength
        text = Array(data[textStart..<photoStart])
        photo = Array(data[photoStart..<fingerprintStart])
        fingerprint = withFingerprint ? Array(data[fingerprintStart..<(fingerprintStart + fingerprintLength)]) : nil
    }

    /// The DATA of a reply carrying these parts (used by the simulator).
    public func replyData() -> [UInt8] {
        func be(_ count: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: count >> 8), UInt8(truncatingIfNeeded: count)] }
        var data = be(text.count) + be(photo.count)
        if let fingerprint { data += be(fingerprint.count) }
        return data + text + photo + (fingerprint ?? [])
    }

    /// Sizes only: the parts are personal data.
    public var description: String {
        "GA467BaseInfo(text: \(text.count) B, photo: \(photo.count) B, fingerprint: \(fingerprint.map { "\($0.count) B" } ?? "not requested"))"
    }
}
