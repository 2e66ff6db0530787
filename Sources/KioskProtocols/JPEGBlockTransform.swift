import Foundation

/// The per-block arithmetic of a baseline JPEG: the 8×8 forward DCT of ITU-T T.81 A.3.3 as two passes of a cosine
/// matrix, quantisation by a table scaled to a quality, and the zig-zag order coefficients are coded in.
struct JPEGBlockTransform {
    /// `zigZag[k]` is the natural (row-major) index of the k-th coefficient in coding order.
    static let zigZag: [Int] = {
        var order: [Int] = []
        for diagonal in 0..<15 {
            let rows = max(0, diagonal - 7)...min(7, diagonal)
            let walk = diagonal % 2 == 0 ? Array(rows.reversed()) : Array(rows)
            for row in walk { order.append(row * 8 + diagonal - row) }
        }
        return order
    }()

    /// C(u)/2 · cos((2x+1)uπ/16) at [u * 8 + x]: one pass of the transform, so two passes give T.81's 1/4·C(u)C(v).
    private static let cosines: [Float] = (0..<64).map { index in
        let u = index / 8
        let x = index % 8
        let scale: Double = u == 0 ? 1 / 2.0.squareRoot() : 1
        return Float(scale / 2 * cos(Double(2 * x + 1) * Double(u) * Double.pi / 16))
    }

    /// The base table scaled as the IJG library does (quality 50 is the table itself), in natural order, 1…255.
    static func quantisation(_ base: [UInt8], quality: Int) -> [UInt8] {
        let quality = min(100, max(1, quality))
        let scale = quality < 50 ? 5000 / quality : 200 - 2 * quality
        return base.map { UInt8(min(255, max(1, (Int($0) * scale + 50) / 100))) }
    }

    /// 1 / quantiser for each natural index, so quantising is a multiply.
    let reciprocals: [Float]

    init(quantisation: [UInt8]) {
        reciprocals = quantisation.map { 1 / Float($0) }
    }

    /// Transforms level-shifted `samples` (64, row-major, −128…127) into quantised coefficients in zig-zag order.
    func quantisedCoefficients(_ samples: UnsafePointer<Float>, into output: UnsafeMutablePointer<Int32>) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 64) { rows in
            Self.cosines.withUnsafeBufferPointer { c in
                for y in 0..<8 {
                    for u in 0..<8 {
                        var sum: Float = 0
                        for x in 0..<8 { sum += samples[y * 8 + x] * c[u * 8 + x] }
                        rows[y * 8 + u] = sum
                    }
                }
                reciprocals.withUnsafeBufferPointer { q in
                    Self.zigZag.withUnsafeBufferPointer { zz in
                        for k in 0..<64 {
                            let v = zz[k] >> 3
                            let u = zz[k] & 7
                            var sum: Float = 0
                            for y in 0..<8 { sum += c[v * 8 + y] * rows[y * 8 + u] }
                            output[k] = Int32((sum * q[zz[k]]).rounded())
                        }
                    }
                }
            }
        }
    }
}
