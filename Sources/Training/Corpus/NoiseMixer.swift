import Features
import Foundation

/// Noise added to clean corpus speech at a chosen signal-to-noise ratio.
public enum NoiseKind: String, Sendable, Codable, CaseIterable {
    /// Gaussian white noise.
    case white
    /// Several real talkers at once (the recordings in ../shared/fixtures), summed at random offsets.
    case babble
}

/// Mixes noise into speech so that 10·log10(P_speech / P_noise) = SNR, with P the mean power over
/// the whole clip. Deterministic: the noise comes from the seeded generator only.
public struct NoiseMixer: Sendable {
    /// Real speech for babble, 16 kHz mono, one array per recording.
    public let babbleSources: [[Float]]
    public static let babbleTalkers = 5

    public init(babbleSources: [[Float]]) { self.babbleSources = babbleSources.filter { $0.count > AudioDecoder.sampleRate } }

    /// Loads every WAV/FLAC under `directory` (e.g. ../shared/fixtures) as babble material.
    public static func loadingBabble(from directory: String) throws -> NoiseMixer {
        guard let walker = FileManager.default.enumerator(atPath: directory) else {
            throw TrainingError.io(path: directory, reason: "cannot list the babble speech folder (give --babble DIR with WAV or FLAC speech)")
        }
        var files: [String] = []
        while let name = walker.nextObject() as? String {
            if name.hasSuffix(".wav") || name.hasSuffix(".flac") { files.append(name) }
        }
        var sources: [[Float]] = []
        for name in files.sorted() {
            do {
                sources.append(try AudioDecoder.load(directory + "/" + name))
            } catch {
                throw TrainingError.io(path: directory + "/" + name, reason: "cannot decode babble speech: \(error)")
            }
        }
        guard !sources.isEmpty else {
            throw TrainingError.io(path: directory, reason: "no WAV or FLAC speech found for babble noise")
        }
        return NoiseMixer(babbleSources: sources)
    }

    /// `count` samples of unit-power noise of `kind`.
    public func noise(_ kind: NoiseKind, count: Int, random r: inout SplitMix) throws -> [Float] {
        var out = [Float](repeating: 0, count: count)
        switch kind {
        case .white:
            for i in 0..<count { out[i] = r.gaussian() }
        case .babble:
            guard !babbleSources.isEmpty else {
                throw TrainingError.invalidArgument(name: "noise", reason: "babble needs real speech recordings (none were loaded)")
            }
            for _ in 0..<Self.babbleTalkers {
                let source = babbleSources[r.below(babbleSources.count)]
                let power = Self.power(source)
                guard power > 0 else { continue }
                let gain = 1 / power.squareRoot()
                var position = r.below(source.count)
                for i in 0..<count {
                    out[i] += source[position] * gain
                    position += 1
                    if position == source.count { position = 0 }
                }
            }
        }
        let p = Self.power(out)
        if p > 0 { let g = 1 / p.squareRoot(); for i in 0..<count { out[i] *= g } }
        return out
    }

    /// `speech + noise` at `snrDB`; the result is scaled down (speech and noise alike, so the SNR
    /// holds) if it would clip.
    public func mix(_ speech: [Float], kind: NoiseKind, snrDB: Float, random r: inout SplitMix) throws -> [Float] {
        try mixWithScale(speech, kind: kind, snrDB: snrDB, random: &r).samples
    }

    /// `mix` and the overall scale it applied against clipping (1 when none).
    public func mixWithScale(_ speech: [Float], kind: NoiseKind, snrDB: Float, random r: inout SplitMix) throws -> (samples: [Float], scale: Float) {
        let n = try noise(kind, count: speech.count, random: &r)
        let gain = (Self.power(speech) / Float(pow(10, Double(snrDB) / 10))).squareRoot()
        var out = speech
        var peak: Float = 0
        for i in 0..<out.count { out[i] += gain * n[i]; peak = max(peak, abs(out[i])) }
        var scale: Float = 1
        if peak > 0.999 { scale = 0.999 / peak; for i in 0..<out.count { out[i] *= scale } }
        return (out, scale)
    }

    /// Mean square.
    public static func power(_ x: [Float]) -> Float {
        guard !x.isEmpty else { return 0 }
        var s: Double = 0
        for v in x { s += Double(v) * Double(v) }
        return Float(s / Double(x.count))
    }
}
