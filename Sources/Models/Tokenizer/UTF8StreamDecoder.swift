/// Turns a stream of bytes into text without ever splitting a multi-byte UTF-8 character: bytes
/// of an incomplete trailing sequence are held back until the rest arrives (Chinese characters
/// are often split across BPE tokens). Invalid bytes become U+FFFD.
public struct UTF8StreamDecoder {
    private var pending: [UInt8] = []

    public init() {}

    /// Bytes held back so far (0–3).
    public var pendingCount: Int { pending.count }

    /// Appends bytes; returns the text they complete (possibly empty).
    public mutating func push<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        pending.append(contentsOf: bytes)
        let keep = Self.incompleteSuffixLength(pending)
        let ready = pending[0..<(pending.count - keep)]
        let text = String(decoding: ready, as: UTF8.self)
        pending.removeFirst(pending.count - keep)
        return text
    }

    /// Emits whatever is held back (an incomplete sequence becomes U+FFFD) and resets.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }

    /// Number of trailing bytes forming a valid but incomplete UTF-8 sequence.
    static func incompleteSuffixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        // Look back at most 3 bytes for a lead byte.
        var k = 1
        while k <= min(3, n) {
            let b = bytes[n - k]
            if b & 0xC0 == 0x80 { k += 1; continue }       // continuation byte: keep looking
            let need: Int
            switch b {
            case 0xC2...0xDF: need = 2
            case 0xE0...0xEF: need = 3
            case 0xF0...0xF4: need = 4
            default: return 0                                // ASCII or invalid lead: complete
            }
            guard need > k else { return 0 }                 // sequence already complete
            // Check the second byte's range for E0/ED/F0/F4 so invalid prefixes are not held.
            if k >= 2 {
                let second = bytes[n - k + 1]
                switch b {
                case 0xE0: if second < 0xA0 { return 0 }
                case 0xED: if second > 0x9F { return 0 }
                case 0xF0: if second < 0x90 { return 0 }
                case 0xF4: if second > 0x8F { return 0 }
                default: break
                }
            }
            return k
        }
        return 0
    }
}
