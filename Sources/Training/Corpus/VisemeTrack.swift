import Features
import Foundation

/// One viseme held over a time span of the audio, from one phoneme (a diphthong gives two).
public struct VisemeSegment: Sendable, Equatable, Codable {
    public let viseme: Viseme
    public let phoneme: String
    public let startMs: Double
    public let endMs: Double
    public var centreMs: Double { (startMs + endMs) / 2 }
}

/// Phoneme timings → viseme segments → the mouth shape at each video frame, with co-articulation
/// after Cohen & Massaro ("Modeling coarticulation in synthetic visual speech", in Models and
/// Techniques in Computer Animation, Springer 1993): each segment pulls the mouth toward its target
/// with a dominance that is flat over the segment and decays exponentially before it (anticipation)
/// and after it (carry-over); the shape is the dominance-weighted mean of the targets. Bilabial and
/// labiodental closures get a higher dominance so the lips really close for p, b, m, f, v.
///
/// Frame `k` (25 fps) covers audio [40k, 40k + 40) ms and shows the mouth at its centre, 40k + 20 ms.
public struct VisemeTrack: Sendable {
    public let segments: [VisemeSegment]
    public let durationMs: Double
    public static let frameMs: Double = 1000 / Double(MouthCropSpec.framesPerSecond)
    /// Time constants of the dominance decay before (anticipatory) and after (carry-over) a segment.
    public static let anticipationMs: Double = 45
    public static let carryOverMs: Double = 30

    public init(phonemes: [PhonemeEvent], durationMs: Double) {
        self.durationMs = durationMs
        var segments: [VisemeSegment] = []
        // Resolve `h` (no lip shape) to the next phoneme's first viseme.
        let lists = phonemes.map { PhonemeVisemeTable.visemes(for: $0.phoneme) }
        for (i, event) in phonemes.enumerated() {
            let start = Double(event.startMs)
            let end = i + 1 < phonemes.count ? Double(phonemes[i + 1].startMs) : max(durationMs, start)
            let visemes = lists[i] ?? [lists[(i + 1)...].compactMap { $0 }.first?.first ?? .sil]
            let step = (end - start) / Double(visemes.count)
            for (j, v) in visemes.enumerated() {
                segments.append(VisemeSegment(viseme: v, phoneme: event.phoneme,
                                              startMs: start + Double(j) * step, endMs: start + Double(j + 1) * step))
            }
        }
        self.segments = segments
    }

    public var frameCount: Int { Int((durationMs / Self.frameMs).rounded(.up)) }

    public static func frameCentreMs(_ k: Int) -> Double { (Double(k) + 0.5) * frameMs }

    /// Dominance magnitude of a viseme (how strongly it wins against its neighbours).
    static func strength(_ v: Viseme) -> Double {
        switch v {
        case .PP, .FF: return 3.0
        case .sil: return 0.5
        case .aa, .E, .I, .O, .U: return 1.0
        default: return 0.8
        }
    }

    /// The segment in force at `ms` (the last one starting at or before it), if any.
    public func segment(at ms: Double) -> VisemeSegment? {
        var lo = 0, hi = segments.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if segments[mid].startMs <= ms { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : segments[lo - 1]
    }

    /// The co-articulated mouth shape at `ms`.
    public func shape(at ms: Double) -> MouthShape {
        var weighted: [(MouthShape, Float)] = []
        for s in segments where s.endMs > s.startMs || segments.count == 1 {
            let d: Double
            if ms < s.startMs {
                d = exp(-(s.startMs - ms) / Self.anticipationMs)
            } else if ms > s.endMs {
                d = exp(-(ms - s.endMs) / Self.carryOverMs)
            } else {
                d = 1
            }
            let w = Self.strength(s.viseme) * d
            if w > 1e-4 { weighted.append((MouthShape.target(s.viseme), Float(w))) }
        }
        return weighted.isEmpty ? .rest : MouthShape.blend(weighted)
    }

    /// Mouth shapes for every video frame.
    public func frameShapes() -> [MouthShape] { (0..<frameCount).map { shape(at: Self.frameCentreMs($0)) } }

    /// The viseme in force at each frame's centre (sil where no phoneme covers it).
    public func frameVisemes() -> [Viseme] { (0..<frameCount).map { segment(at: Self.frameCentreMs($0))?.viseme ?? .sil } }
}
