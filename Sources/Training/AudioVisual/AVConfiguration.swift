import Foundation
import Models

/// Sizes of the audio-visual model; stored in checkpoints' metadata.
public struct AVConfiguration: Codable, Sendable, Equatable {
    /// Width of both encoders' outputs and the fusion.
    public var modelWidth = 64
    /// Channels of the video CNN's stages (64 → 32 → 16 → 8 pixels).
    public var videoChannels1 = 8
    public var videoChannels2 = 16
    /// The 64 × 64 crop is average-pooled by this factor before the CNN (2: a 32 × 32 input, a
    /// quarter of the work; the lips still span 16 pixels).
    public var videoInputPool = 2
    /// Dilations of the gated causal conv layers over the audio (kernel 2 each).
    public var audioDilations = [1, 2, 4, 8, 1, 2, 4, 8]
    public var melBins = 80
    /// Log-mel frames (10 ms) per video frame (40 ms).
    public var melFramesPerVideoFrame = 4
    /// Probability of dropping one modality (audio or video, equally) for a training clip.
    public var modalityDropout: Float = 0.3
    /// Query/key depth of the fusion's and the decoder's attention.
    public var attentionDepth = 32
    /// Frames of the other modality each fusion query sees: t − W + 1 … t.
    public var fusionWindow = 4
    /// CTC steps per 40-ms frame: the head emits this many rows of logits per frame, so a fast
    /// talker's characters (up to ~0.9 per frame with repeats needing a blank between) fit.
    public var ctcSubframes = 2
    /// GRU attention decoder's hidden size (0: no decoder, CTC only) and character embedding size.
    public var decoderHidden = 64
    public var decoderEmbedding = 16
    /// Frames past a character's CTC spike the decoder may read before emitting it.
    public var decoderLookahead = 1
    /// Joint loss λ·CTC + (1 − λ)·attention cross-entropy, both per label.
    public var ctcWeight: Float = 0.5
    public var labelSmoothing: Float = 0.1
    /// Joint decoding: a character's score is (1 − μ)·log p_att + μ·log p_ctc (at its spike).
    public var decodingCTCWeight: Float = 0.5
    /// Temporal context of the video branch (`VideoTemporalStack`): dilations of gated causal conv
    /// layers (kernel `videoTemporalKernel`, residual paths) over the per-frame video features;
    /// empty: none, the per-frame CNN alone. A configuration without these keys (checkpoints made
    /// before they existed, e.g. the first committed checkpoint, Tests/Fixtures/av/av-grid-d64.safetensors) has none.
    public var videoTemporalDilations: [Int] = []
    public var videoTemporalKernel = 3
    /// The output vocabulary (`Models.AVVocabulary`): nil is English (space, apostrophe, a–z), the
    /// only one before this key existed; `.pinyin` for Mandarin. Left out of the JSON when nil, so
    /// an English configuration (and its checkpoint) has the same bytes as before.
    public var vocabulary: AVVocabulary.Kind? = nil

    public init() {}

    /// The classes the CTC head and the decoder emit.
    public var outputVocabulary: AVVocabulary { AVVocabulary(vocabulary ?? .english) }

    /// Frames of video features one output of the temporal stack sees (1 without it).
    public var videoTemporalReceptiveField: Int { 1 + videoTemporalDilations.reduce(0) { $0 + (videoTemporalKernel - 1) * $1 } }

    /// Every key is required except the ones added later, which default to what the model was
    /// before them (no video temporal layers).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelWidth = try c.decode(Int.self, forKey: .modelWidth)
        videoChannels1 = try c.decode(Int.self, forKey: .videoChannels1)
        videoChannels2 = try c.decode(Int.self, forKey: .videoChannels2)
        videoInputPool = try c.decode(Int.self, forKey: .videoInputPool)
        audioDilations = try c.decode([Int].self, forKey: .audioDilations)
        melBins = try c.decode(Int.self, forKey: .melBins)
        melFramesPerVideoFrame = try c.decode(Int.self, forKey: .melFramesPerVideoFrame)
        modalityDropout = try c.decode(Float.self, forKey: .modalityDropout)
        attentionDepth = try c.decode(Int.self, forKey: .attentionDepth)
        fusionWindow = try c.decode(Int.self, forKey: .fusionWindow)
        ctcSubframes = try c.decode(Int.self, forKey: .ctcSubframes)
        decoderHidden = try c.decode(Int.self, forKey: .decoderHidden)
        decoderEmbedding = try c.decode(Int.self, forKey: .decoderEmbedding)
        decoderLookahead = try c.decode(Int.self, forKey: .decoderLookahead)
        ctcWeight = try c.decode(Float.self, forKey: .ctcWeight)
        labelSmoothing = try c.decode(Float.self, forKey: .labelSmoothing)
        decodingCTCWeight = try c.decode(Float.self, forKey: .decodingCTCWeight)
        videoTemporalDilations = try c.decodeIfPresent([Int].self, forKey: .videoTemporalDilations) ?? []
        videoTemporalKernel = try c.decodeIfPresent(Int.self, forKey: .videoTemporalKernel) ?? 3
        if let name = try c.decodeIfPresent(String.self, forKey: .vocabulary) {
            guard let kind = AVVocabulary.Kind(rawValue: name) else {
                throw DecodingError.dataCorruptedError(forKey: .vocabulary, in: c, debugDescription:
                    "vocabulary \"\(name)\" is not one this version knows (\(AVVocabulary.knownNames))")
            }
            vocabulary = kind
        }
    }

    /// Keys sorted: the same configuration always gives the same bytes (checkpoints reload bit-identically).
    public var json: String { String(decoding: (try? AVConfiguration.encoder.encode(self)) ?? Data(), as: UTF8.self) }

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
