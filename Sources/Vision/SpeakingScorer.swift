import Foundation

/// Who is speaking, by decision-level fusion of lip motion, its synchrony with the audio envelope
/// and the audio voice-activity flag, over the last `window` seconds. A pure type: fed
/// (time, openness) per face and (time, energy, voiced) for the audio; times on one clock.
///
/// Per face, on a uniform grid of `step` seconds:
///   motion  = σ((std(openness) − 0.015) / 0.006)           — the mouth moves at all
///   sync    = σ((max_lag corr(openness(t), envelope(t + lag)) − syncCentre) / 0.08), lag ∈ ±maxLag
///   voiced  = fraction of the last `vadWindow` seconds the audio VAD flagged as speech (short,
///             so the speaker ends with the speech rather than a window later)
///   p       = motion · sync · min(1, 2·voiced)
/// A talking face in sync with speech scores high; a still face with speech (a television), a
/// moving mouth with silence (chewing) or out of sync with the audio score low.
public struct SpeakingScorer: Sendable {
    public var window: Double
    public var maxLag: Double
    public var step: Double
    /// Seconds of VAD decisions the voiced term looks back over.
    public var vadWindow = 0.3
    /// Correlation at which the synchrony term is one half. 0.4: the corpus's talking faces
    /// (visemes with co-articulation) often correlate only 0.4–0.6 with the envelope over one
    /// second; 0.6 missed half their speaking seconds (scripts/bench.py --only camera).
    public var syncCentre: Float = 0.4

    public struct Estimate: Sendable, Equatable {
        public var probability: Float
        public var motion: Float
        public var correlation: Float
        public var lag: Double
        public var voicedFraction: Float
    }

    private var audio: [(t: Double, energy: Float, voiced: Bool)] = []
    private var mouths: [Int: [(t: Double, openness: Float)]] = [:]

    public init(window: Double = 1.0, maxLag: Double = 0.2, step: Double = 0.04) {
        self.window = window; self.maxLag = maxLag; self.step = step
    }

    public mutating func addAudio(time: Double, energy: Float, voiced: Bool) {
        audio.append((time, energy, voiced))
        trim(before: time)
    }

    public mutating func addMouth(face: Int, time: Double, openness: Float) {
        mouths[face, default: []].append((time, openness))
    }

    /// Forgets faces no longer tracked.
    public mutating func retain(faces: Set<Int>) { mouths = mouths.filter { faces.contains($0.key) } }

    private mutating func trim(before time: Double) {
        let horizon = time - window - 2 * maxLag - 1
        if let first = audio.firstIndex(where: { $0.t >= horizon }), first > 256 { audio.removeFirst(first) }
        for (k, v) in mouths { if let f = v.firstIndex(where: { $0.t >= horizon }), f > 64 { mouths[k] = Array(v[f...]) } }
    }

    /// Mean of the samples in [t − step/2, t + step/2), else the nearest earlier one.
    private static func resample<T>(_ xs: [T], time: (T) -> Double, value: (T) -> Float, at grid: [Double], step: Double) -> [Float]? {
        guard !xs.isEmpty else { return nil }
        var out: [Float] = []
        var j = 0
        for t in grid {
            while j < xs.count && time(xs[j]) < t - step / 2 { j += 1 }
            var k = j, sum: Float = 0, n = 0
            while k < xs.count && time(xs[k]) < t + step / 2 { sum += value(xs[k]); n += 1; k += 1 }
            if n > 0 { out.append(sum / Float(n)) } else if j > 0 { out.append(value(xs[j - 1])) } else { out.append(value(xs[0])) }
        }
        return out
    }

    static func correlation(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
        let n = Float(min(a.count, b.count))
        guard n > 2 else { return 0 }
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab: Float = 0, saa: Float = 0, sbb: Float = 0
        for (x, y) in zip(a, b) { sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb) }
        let den = (saa * sbb).squareRoot()
        return den > 1e-12 ? sab / den : 0
    }

    static func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

    /// The estimate for `face` over (time − window, time].
    public func estimate(face: Int, at time: Double) -> Estimate {
        let none = Estimate(probability: 0, motion: 0, correlation: 0, lag: 0, voicedFraction: 0)
        // at least half a window of lip samples before judging
        guard let samples = mouths[face], samples.count >= 3, let first = samples.first,
              time - first.t >= window / 2 else { return none }
        let n = Int((window / step).rounded())
        let lagSteps = Int((maxLag / step).rounded())
        let grid = (0..<n).map { time - window + step * Double($0 + 1) }
        let wide = (-lagSteps..<(n + lagSteps)).map { time - window + step * Double($0 + 1) }
        guard let mouth = Self.resample(samples, time: { $0.t }, value: { $0.openness }, at: grid, step: step) else { return none }
        let mean = mouth.reduce(0, +) / Float(n)
        let std = (mouth.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(n)).squareRoot()
        let motion = Self.sigmoid((std - 0.015) / 0.006)
        var voiced: Float = 0, best: Float = 0, bestLag = 0.0
        let recent = audio.filter { $0.t > time - vadWindow && $0.t <= time }
        if !recent.isEmpty { voiced = Float(recent.filter { $0.voiced }.count) / Float(recent.count) }
        if let env = Self.resample(audio, time: { $0.t }, value: { $0.energy.squareRoot() }, at: wide, step: step) {
            best = -1
            for lag in -lagSteps...lagSteps {   // envelope shifted by lag steps against the mouth
                let c = Self.correlation(mouth[...], env[(lag + lagSteps)..<(lag + lagSteps + n)])
                if c > best { best = c; bestLag = Double(lag) * step }
            }
        }
        let sync = Self.sigmoid((best - syncCentre) / 0.08)
        let p = motion * sync * min(1, 2 * voiced)
        return Estimate(probability: p, motion: motion, correlation: best, lag: bestLag, voicedFraction: voiced)
    }
}
