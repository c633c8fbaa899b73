import Foundation
import Tensor

/// A loaded Whisper network on the tensor engine: immutable Float32 weights, shareable across
/// threads; per-stream state lives in `WhisperDecoderState`.
public final class WhisperModel: WhisperInference, @unchecked Sendable {
    public typealias Session = WhisperDecoderState

    public let dims: WhisperDimensions
    /// Where the weights came from (model.bin or model.safetensors).
    public let source: URL
    let encoder: AudioEncoder
    let decoder: TextDecoder
    /// Cross-attention heads that time words (`AlignmentHeads.resolve`).
    public internal(set) var alignmentHeads: [AlignmentHead] = []

    /// Loads `config.json` plus `model.bin` (CTranslate2) or `model.safetensors` (Hugging Face names)
    /// from a model directory. Fails on a missing, unused or mis-shaped tensor, a truncated file or a
    /// file of another kind.
    /// `compute`: int8, float16 or float32 weights (`ComputeType`); nil keeps the checkpoint's own.
    /// `defaultTiles`: whether nil uses the AMX bfloat16 tiles where the CPU has them.
    public static func load(directory: URL, compute: ComputeType? = nil, defaultTiles: Bool = true) throws -> WhisperModel {
        var trace = LoadTrace()
        let checkpoint = try WhisperCheckpoint.load(directory: directory, compute: compute, defaultTiles: defaultTiles)
        trace.mark("checkpoint")
        let model = try WhisperModel(store: checkpoint.store, dims: checkpoint.dims, source: checkpoint.source)
        trace.mark("layers")
        model.alignmentHeads = try AlignmentHeads.resolve(directory: directory, dims: checkpoint.dims)
        try checkpoint.store.checkAllUsed()
        checkpoint.store.release()
        trace.mark("alignment heads, checks")
        return model
    }

    /// Builds the network from a store in CTranslate2 names (taking every tensor it needs).
    init(store: WeightStore, dims: WhisperDimensions, source: URL) throws {
        self.dims = dims
        self.source = source
        encoder = try AudioEncoder(store, dims: dims)
        decoder = try TextDecoder(store, dims: dims)
    }

    /// mel: (nMels, frames) row-major log-mel -> encoder output (frames / 2, d).
    public func encode(mel: [Float], frames: Int) throws -> AudioFeatures {
        guard frames > 0, frames % 2 == 0, frames <= 2 * dims.nAudioCtx else {
            throw TensorError.shapeMismatch(operation: "WhisperModel.encode",
                                            reason: "\(frames) mel frames: need an even count in 2...\(2 * dims.nAudioCtx) (pad or trim the window)")
        }
        guard mel.count == dims.nMels * frames else {
            throw TensorError.shapeMismatch(operation: "WhisperModel.encode",
                                            reason: "mel has \(mel.count) values, expected \(dims.nMels) bins × \(frames) frames = \(dims.nMels * frames)")
        }
        let out = mel.withUnsafeBufferPointer { encoder($0.baseAddress!, frames: frames) }
        return AudioFeatures(frames: frames / 2, width: dims.nAudioState, data: out)
    }

    /// The cross-attention K/V of every decoder layer for one encoder output, computed once and
    /// shared by all sessions made from it.
    public func crossAttentionMemory(_ audio: AudioFeatures) throws -> CrossAttentionMemory {
        guard audio.width == dims.nTextState, audio.frames > 0, audio.frames <= dims.nAudioCtx,
              audio.data.count == audio.frames * audio.width else {
            throw TensorError.shapeMismatch(operation: "WhisperModel.makeSession",
                                            reason: "audio features (\(audio.frames), \(audio.width)) with \(audio.data.count) values do not fit a model of width \(dims.nTextState) and \(dims.nAudioCtx) positions")
        }
        let kv = audio.data.withUnsafeBufferPointer { a in
            decoder.blocks.map { $0.crossKeysValues(a.baseAddress!, frames: audio.frames) }  // (2·frames, d) each: K then V
        }
        return CrossAttentionMemory(frames: audio.frames, keysValues: kv)
    }

    public func makeSession(_ audio: AudioFeatures) throws -> WhisperDecoderState {
        WhisperDecoderState(model: self, memory: try crossAttentionMemory(audio))
    }

    /// A session over an already computed memory (several streams or restarts on one window).
    public func makeSession(memory: CrossAttentionMemory) -> WhisperDecoderState {
        WhisperDecoderState(model: self, memory: memory)
    }
}
