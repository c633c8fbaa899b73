import Foundation

/// Sizes of the audio-visual model; stored in checkpoints' metadata.
public struct AVConfiguration: Codable, Sendable, Equatable {
    /// Width of both encoders' outputs and the fusion.
    public var modelWidth = 32
    /// Channels of the video CNN's stages (64 → 32 → 16 → 8 pixels).
    public var videoChannels1 = 8
    public var videoChannels2 = 16
    /// Dilations of the gated causal conv layers over the audio (kernel 2 each).
    public var audioDilations = [1, 2, 4, 8]
    public var melBins = 80
    /// Log-mel frames (10 ms) per video frame (40 ms).
    public var melFramesPerVideoFrame = 4
    /// Probability of dropping one modality (audio or video, equally) for a training clip.
    public var modalityDropout: Float = 0.3

    public init() {}

    public var json: String { String(decoding: (try? JSONEncoder().encode(self)) ?? Data(), as: UTF8.self) }
}
