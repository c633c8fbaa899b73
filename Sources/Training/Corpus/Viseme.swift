import Foundation

/// The 15 visemes of MPEG-4 facial animation (ISO/IEC 14496-2, "MPEG-4 Visual", the viseme
/// parameter FAP 1 `viseme_select`: 0 none, 1 p b m, 2 f v, 3 T D, 4 t d, 5 k g, 6 tS dZ S,
/// 7 s z, 8 n l, 9 r, 10 A:, 11 e, 12 I, 13 Q, 14 U; see also Pandzic & Forchheimer (eds.),
/// "MPEG-4 Facial Animation: The Standard, Implementation and Applications", Wiley 2002, ch. 2).
/// The names are the ones lip-sync tools commonly use for the same set (sil, PP, FF, …).
public enum Viseme: Int, CaseIterable, Sendable, Codable {
    case sil = 0, PP, FF, TH, DD, kk, CH, SS, nn, RR, aa, E, I, O, U

    public var name: String { String(describing: self) }
}

/// The target mouth shape of a viseme, in units of the mouth's rest half-width (so the renderer can
/// draw any face size): `opening` is the inner lip gap at the centre, `width` scales the corner
/// distance, `rounding` (0–1) protrudes and rounds the lips, `teeth` and `tongue` (0–1) say how much
/// of each shows in the gap. The values are this project's choices (eyeballed from viseme charts), not
/// part of MPEG-4, which names the visemes but leaves their geometry to the face model.
public struct MouthShape: Sendable, Equatable, Codable {
    public var opening: Float
    public var width: Float
    public var rounding: Float
    public var teeth: Float
    public var tongue: Float

    public init(opening: Float, width: Float, rounding: Float, teeth: Float, tongue: Float) {
        self.opening = opening; self.width = width; self.rounding = rounding; self.teeth = teeth; self.tongue = tongue
    }

    public static let rest = MouthShape(opening: 0.02, width: 1.0, rounding: 0.1, teeth: 0, tongue: 0)

    public static func target(_ viseme: Viseme) -> MouthShape {
        switch viseme {
        case .sil: return .rest
        case .PP: return MouthShape(opening: 0.0, width: 0.96, rounding: 0.15, teeth: 0, tongue: 0)
        case .FF: return MouthShape(opening: 0.10, width: 1.0, rounding: 0.0, teeth: 1.0, tongue: 0)
        case .TH: return MouthShape(opening: 0.18, width: 1.0, rounding: 0.0, teeth: 0.8, tongue: 1.0)
        case .DD: return MouthShape(opening: 0.18, width: 1.02, rounding: 0.05, teeth: 0.8, tongue: 0.4)
        case .kk: return MouthShape(opening: 0.25, width: 1.0, rounding: 0.1, teeth: 0.5, tongue: 0.3)
        case .CH: return MouthShape(opening: 0.16, width: 0.80, rounding: 0.7, teeth: 0.9, tongue: 0)
        case .SS: return MouthShape(opening: 0.08, width: 1.08, rounding: 0.0, teeth: 1.0, tongue: 0)
        case .nn: return MouthShape(opening: 0.16, width: 1.0, rounding: 0.05, teeth: 0.6, tongue: 0.7)
        case .RR: return MouthShape(opening: 0.18, width: 0.86, rounding: 0.55, teeth: 0.4, tongue: 0.2)
        case .aa: return MouthShape(opening: 0.62, width: 1.0, rounding: 0.1, teeth: 0.3, tongue: 0.3)
        case .E: return MouthShape(opening: 0.38, width: 1.10, rounding: 0.0, teeth: 0.5, tongue: 0.2)
        case .I: return MouthShape(opening: 0.20, width: 1.16, rounding: 0.0, teeth: 0.8, tongue: 0)
        case .O: return MouthShape(opening: 0.45, width: 0.74, rounding: 0.85, teeth: 0.1, tongue: 0.1)
        case .U: return MouthShape(opening: 0.20, width: 0.64, rounding: 1.0, teeth: 0, tongue: 0)
        }
    }

    /// `Σ wᵢ · shapeᵢ / Σ wᵢ`.
    public static func blend(_ weighted: [(MouthShape, Float)]) -> MouthShape {
        var o: Float = 0, w: Float = 0, r: Float = 0, t: Float = 0, g: Float = 0, total: Float = 0
        for (s, weight) in weighted {
            o += s.opening * weight; w += s.width * weight; r += s.rounding * weight
            t += s.teeth * weight; g += s.tongue * weight; total += weight
        }
        guard total > 0 else { return .rest }
        return MouthShape(opening: o / total, width: w / total, rounding: r / total, teeth: t / total, tongue: g / total)
    }
}

/// espeak-ng phoneme mnemonics (English and Mandarin voices) → MPEG-4 visemes. Diphthongs become
/// two visemes (start, end) that share the phoneme's time. `h` has no lip shape of its own and takes
/// the next phoneme's (resolved by `VisemeTrack`). Schwa-like vowels (`@ @2 3 3: V`), which MPEG-4
/// does not list, map to the nearest listed shape. Unknown mnemonics fall back by their first
/// letter (so stress and length marks, or Mandarin's tone-marked vowels, still map), then to `sil`.
public enum PhonemeVisemeTable {
    /// The viseme sequence of one phoneme; `nil` for `h` (takes the following viseme).
    public static func visemes(for phoneme: String) -> [Viseme]? {
        let p = phoneme.trimmingCharacters(in: CharacterSet(charactersIn: "'\",%=;!"))
        if p.isEmpty || p.hasPrefix("_") { return [.sil] }
        if p == "h" || p == "x" { return nil }
        if let v = table[p] { return v }
        // Strip length/variant marks from the end: "i:" → "i", "@2" → "@", "a#" → "a".
        var q = p
        while q.count > 1 {
            q.removeLast()
            if let v = table[q] { return v }
        }
        if let first = p.first, let v = table[String(first)] { return v }
        return [.sil]
    }

    static let table: [String: [Viseme]] = [
        // Bilabials, labiodentals, dentals, alveolars, velars.
        "p": [.PP], "b": [.PP], "m": [.PP],
        "f": [.FF], "v": [.FF],
        "T": [.TH], "D": [.TH],
        "t": [.DD], "d": [.DD], "t#": [.DD], "d#": [.DD],
        "k": [.kk], "g": [.kk], "N": [.kk], "c": [.kk], "q": [.kk],
        // Post-alveolars and affricates; Mandarin retroflex/palatal affricates map here too.
        "tS": [.CH], "dZ": [.CH], "S": [.CH], "Z": [.CH], "ts": [.SS], "tc": [.CH], "ts.": [.CH], "s.": [.CH], "z.": [.RR],
        "s": [.SS], "z": [.SS], "C": [.CH],
        "n": [.nn], "l": [.nn], "n-": [.nn], "l-": [.nn],
        "r": [.RR], "r-": [.RR], "R": [.RR],
        // Glides take the shape of the vowel they start.
        "w": [.U], "j": [.I], "y": [.U],
        // Vowels.
        "a": [.aa], "A": [.aa], "A:": [.aa], "A@": [.aa], "aa": [.aa], "V": [.aa],
        "E": [.E], "e": [.E], "e@": [.E], "@": [.E], "@2": [.E], "@5": [.E], "3": [.E], "3:": [.E], "a#": [.E],
        "I": [.I], "I#": [.I], "I2": [.I], "i": [.I], "i:": [.I], "i@": [.I, .E], "i@3": [.I, .E],
        "0": [.O], "O": [.O], "O:": [.O], "O@": [.O], "o": [.O], "o@": [.O],
        "U": [.U], "u": [.U], "u:": [.U], "U@": [.U, .E],
        // Diphthongs: two visemes.
        "aI": [.aa, .I], "aU": [.aa, .U], "eI": [.E, .I], "oU": [.O, .U], "OI": [.O, .I], "aI@": [.aa, .E],
    ]
}
