// The fuzz build (scripts/fuzz.sh) compiles KioskCore and this module as one module.
#if canImport(KioskCore)
    import KioskCore
#endif

/// Builds the 256-byte text block for an `IdentityCard`, field by field as in docs/device-protocols.md §1.7 (the
/// inverse of `GA467TextBlock.decode`). Used by the simulator; tests of the decoder build their blocks by hand instead.
public enum GA467TextBlockEncoder {
    /// Values longer than their field are cut at the field's size.
    public static func encode(_ card: IdentityCard) -> [UInt8] {
        var block = Block()
        let validUntil: String =
            switch card.validUntil {
            case .longTerm: "长期"
            case .until(let date): date.compact
            }
        switch card.cardType {
        case .resident, .hkMacaoTaiwanPermit:
            block.put(card.name.unmasked, at: 0, bytes: 30)
            block.put(card.gender.rawValue, at: 30, bytes: 2)
            if card.cardType == .resident { block.put(card.nation ?? "", at: 32, bytes: 4) }
            block.put(card.birthDate.compact, at: 36, bytes: 16)
            block.put(card.address?.unmasked ?? "", at: 52, bytes: 70)
            block.put(card.idNumber.unmasked, at: 122, bytes: 36)
            block.put(card.issuingAuthority ?? "", at: 158, bytes: 30)
            block.put(card.validFrom.compact, at: 188, bytes: 16)
            block.put(validUntil, at: 204, bytes: 16)
            if card.cardType == .hkMacaoTaiwanPermit {
                block.put(card.passNumber ?? "", at: 220, bytes: 18)
                block.put(card.issueCount ?? "", at: 238, bytes: 4)
            }
        case .foreignerPermanent2017:
            block.put(card.englishName?.unmasked ?? card.name.unmasked, at: 0, bytes: 120)
            block.put(card.gender.rawValue, at: 120, bytes: 2)
            block.put(card.idNumber.unmasked, at: 122, bytes: 30)
            block.put(card.nationality ?? "", at: 152, bytes: 6)
            block.put(card.chineseName?.unmasked ?? "", at: 158, bytes: 30)
            block.put(card.validFrom.compact, at: 188, bytes: 16)
            block.put(validUntil, at: 204, bytes: 16)
            block.put(card.birthDate.compact, at: 220, bytes: 16)
            block.put("01", at: 236, bytes: 4)
            block.put(card.issuingAuthority ?? "", at: 240, bytes: 8)
        case .foreignerPermanent2023:
            let english = Array((card.englishName?.unmasked ?? "").utf16)
            block.put(card.name.unmasked, at: 0, bytes: 30)
            block.put(card.gender.rawValue, at: 30, bytes: 2)
            block.put(card.renewalCount ?? "", at: 32, bytes: 4)
            block.put(card.birthDate.compact, at: 36, bytes: 16)
            block.putUnits(Array(english.prefix(35)), at: 52, bytes: 70)
            block.put(card.idNumber.unmasked, at: 122, bytes: 36)
            block.put(card.validFrom.compact, at: 188, bytes: 16)
            block.put(validUntil, at: 204, bytes: 16)
            block.putUnits(Array(english.dropFirst(35).prefix(11)), at: 220, bytes: 22)
            block.put(card.nationality ?? "", at: 242, bytes: 6)
        }
        block.putUnits([GA467TextBlock.marker(for: card.cardType)], at: GA467TextBlock.markerOffset, bytes: 2)
        return block.bytes
    }

    /// 256 bytes of U+0020 padding, written field by field.
    private struct Block {
        var bytes = [UInt8](repeating: 0, count: GA467TextBlock.size)

        init() {
            for i in stride(from: 0, to: bytes.count, by: 2) { bytes[i] = 0x20 }
        }

        mutating func put(_ text: String, at offset: Int, bytes count: Int) {
            putUnits(Array(text.utf16), at: offset, bytes: count)
        }

        mutating func putUnits(_ units: [UInt16], at offset: Int, bytes count: Int) {
            for (i, unit) in units.prefix(count / 2).enumerated() {
                bytes[offset + 2 * i] = UInt8(truncatingIfNeeded: unit)
                bytes[offset + 2 * i + 1] = UInt8(truncatingIfNeeded: unit >> 8)
            }
        }
    }
}
