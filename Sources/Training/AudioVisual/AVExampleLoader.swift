import Features
import Foundation
import Models

/// Turns corpus clips (or files in the corpus layout) into training examples: per-crop
/// standardisation (MouthCropSpec), and log-mel with a fixed, causal normalisation.
public enum AVExampleLoader {
    /// Log-mel (80 bins, 10-ms hop) of 16-kHz audio as (T, 4·80) rows, one per 40-ms video frame;
    /// audio past the clip is silence. Normalised as (max(log10 mel, −8) + 4) / 4 with a fixed floor
    /// (Whisper's floor is max − 8 over a window, which is not causal).
    public static func melRows(_ audio: [Float], videoFrames t: Int, melBins: Int = 80, perFrame: Int = 4) -> [Float] {
        let raw = LogMelSpectrogram(melBins: melBins).rawLogMel(audio)              // (frames, bins)
        let available = raw.count / melBins
        var rows = [Float](repeating: (-8 + 4) / 4, count: t * perFrame * melBins)
        for f in 0..<min(available, t * perFrame) {
            for b in 0..<melBins { rows[f * melBins + b] = (max(raw[f * melBins + b], -8) + 4) / 4 }
        }
        return rows
    }

    /// `vocabulary`: English learns the sentence's text, pinyin what espeak-ng read (`spoken`, the
    /// tone-numbered pinyin of a Mandarin sentence).
    public static func example(_ clip: CorpusClip, vocabulary: AVVocabulary = .english) throws -> AVExample {
        let t = clip.mouthCrops.count
        let text = vocabulary.kind == .pinyin ? clip.sentence.spoken : clip.sentence.text
        return AVExample(crops: clip.mouthCrops.flatMap(MouthCropSpec.standardised), mel: melRows(clip.audio, videoFrames: t),
                         frames: t, labels: try vocabulary.labels(text), text: text)
    }
}
