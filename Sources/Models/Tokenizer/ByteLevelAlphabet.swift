/// GPT-2's reversible map between the 256 byte values and printable Unicode scalars, used by
/// byte-level BPE: vocabulary entries are strings of these scalars (space 0x20 is "Ġ" U+0120).
enum ByteLevelAlphabet {
    /// byteToScalar[b] is the scalar that stands for byte b.
    static let byteToScalar: [Unicode.Scalar] = {
        var printable: [Int] = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        var scalars = printable
        var extra = 0
        for b in 0..<256 where !printable.contains(b) {
            printable.append(b)
            scalars.append(256 + extra)
            extra += 1
        }
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        for (b, s) in zip(printable, scalars) { table[b] = Unicode.Scalar(UInt32(s)) ?? " " }
        return table
    }()

    /// The byte a scalar stands for, nil for scalars outside the alphabet.
    static let scalarToByte: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (b, s) in byteToScalar.enumerated() { map[s.value] = UInt8(b) }
        return map
    }()

    /// The alphabet string of some bytes ("Ġhello" for " hello").
    static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var view = String.UnicodeScalarView()
        for b in bytes { view.append(byteToScalar[Int(b)]) }
        return String(view)
    }

    /// The bytes an alphabet string stands for; nil when a scalar is not in the alphabet.
    static func decode(_ symbol: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(symbol.unicodeScalars.count)
        for s in symbol.unicodeScalars {
            guard let b = scalarToByte[s.value] else { return nil }
            out.append(b)
        }
        return out
    }
}
