// The seam between the Whisper network (encoder/decoder forward passes on the tensor engine) and
// decoding (tokenizer, greedy/beam search, timestamps, fallback, seeking). Decoding is generic over
// these protocols so its logic is tested with scripted models and run with the real one.

/// Whisper hyper-parameters, read from config.json and the checkpoint's tensor shapes.
public struct WhisperDimensions: Sendable, Equatable {
    public var nMels: Int          // 80 (128 for large-v3)
    public var nAudioCtx: Int      // 1500 encoder positions for 30 s
    public var nAudioState: Int    // d_model of the encoder
    public var nAudioHead: Int
    public var nAudioLayer: Int
    public var nVocab: Int         // 51864 (English-only) or 51865+ (multilingual)
    public var nTextCtx: Int       // 448
    public var nTextState: Int
    public var nTextHead: Int
    public var nTextLayer: Int

    public init(nMels: Int, nAudioCtx: Int, nAudioState: Int, nAudioHead: Int, nAudioLayer: Int,
                nVocab: Int, nTextCtx: Int, nTextState: Int, nTextHead: Int, nTextLayer: Int) {
        self.nMels = nMels; self.nAudioCtx = nAudioCtx; self.nAudioState = nAudioState
        self.nAudioHead = nAudioHead; self.nAudioLayer = nAudioLayer; self.nVocab = nVocab
        self.nTextCtx = nTextCtx; self.nTextState = nTextState; self.nTextHead = nTextHead
        self.nTextLayer = nTextLayer
    }

    /// Multilingual checkpoints have a vocabulary of 51865 or more tokens.
    public var isMultilingual: Bool { nVocab >= 51865 }
}

/// Encoder output for one window: (frames, width) row-major, frames = mel frames / 2.
public struct AudioFeatures: Sendable {
    public var frames: Int
    public var width: Int
    public var data: [Float]
    public init(frames: Int, width: Int, data: [Float]) {
        self.frames = frames; self.width = width; self.data = data
    }
}

/// Mutable per-stream decoder state (self-attention KV cache plus the cross-attention K/V of one
/// encoder output). A value type: copying a session forks it (beam search).
public protocol WhisperDecoderSession {
    /// Number of tokens fed so far (the KV cache length).
    var length: Int { get }
    /// Feeds `tokens` after those already fed; returns the logits (nVocab) after the last one.
    mutating func step(_ tokens: [Int]) throws -> [Float]
    /// Feeds `tokens`; returns the logits after each of them (tokens.count rows of nVocab).
    mutating func stepAll(_ tokens: [Int]) throws -> [[Float]]
    /// Feeds `tokens`; returns the logits (nVocab) after `tokens[index]` only (the no-speech
    /// probability after <|startoftranscript|> when a prompt precedes it), without projecting
    /// the other rows onto the vocabulary.
    mutating func step(_ tokens: [Int], logitsAfter index: Int) throws -> [Float]
    /// Forgets every token after the first `n` (rewinds the KV cache).
    mutating func truncate(to n: Int)

    /// The rows of a beam advanced together (`WhisperDecoderBatch`); `SessionBatch` (one session per
    /// row, one step each) unless the session has a batched forward pass.
    associatedtype Batch: WhisperDecoderBatch = SessionBatch<Self>
    /// A batch of one row continuing this session (its fed tokens kept), with room for up to
    /// `maxRows` rows and `steps` more tokens per row.
    func makeBatch(maxRows: Int, steps: Int) -> Batch
}

extension WhisperDecoderSession {
    public mutating func step(_ tokens: [Int], logitsAfter index: Int) throws -> [Float] {
        try stepAll(tokens)[index]
    }
}

/// Rows of decoder state that advance one token each per step (the hypotheses of a beam search).
/// Every row has been fed the same number of tokens.
public protocol WhisperDecoderBatch {
    var rows: Int { get }
    /// Feeds tokens[r] to row r; returns the logits (nVocab) after it for every row.
    mutating func step(_ tokens: [Int]) throws -> [[Float]]
    /// Rebuilds the rows: new row i continues old row origins[i] (rows may repeat or vanish).
    mutating func select(_ origins: [Int])
}

/// The unbatched batch: one session per row, stepped one after the other (the reference the
/// batched forward pass is compared with, and the batch of sessions without one).
public struct SessionBatch<S: WhisperDecoderSession>: WhisperDecoderBatch {
    public private(set) var sessions: [S]
    public init(_ session: S) { sessions = [session] }
    public var rows: Int { sessions.count }
    public mutating func step(_ tokens: [Int]) throws -> [[Float]] {
        try sessions.indices.map { try sessions[$0].step([tokens[$0]]) }
    }
    public mutating func select(_ origins: [Int]) { sessions = origins.map { sessions[$0] } }
}

extension WhisperDecoderSession where Batch == SessionBatch<Self> {
    public func makeBatch(maxRows: Int, steps: Int) -> SessionBatch<Self> { SessionBatch(self) }
}

/// A loaded Whisper network: immutable weights, shareable across threads.
public protocol WhisperInference: AnyObject {
    associatedtype Session: WhisperDecoderSession
    var dims: WhisperDimensions { get }
    /// mel: (nMels, frames) row-major log-mel, frames ≤ 3000 and even. The encoder's audio context
    /// is cut to frames / 2 positions (a 30-s window is 3000 frames → 1500 positions).
    func encode(mel: [Float], frames: Int) throws -> AudioFeatures
    /// A fresh decoder session attending to `audio`.
    func makeSession(_ audio: AudioFeatures) throws -> Session
    /// Cross-attention heads that time words (empty: this model cannot time words).
    var alignmentHeads: [AlignmentHead] { get }
    /// `tokens` fed in one pass (teacher forcing) over the encoder output `session` attends to
    /// (its cross-attention keys and values, not computed again): logits per row and the heads'
    /// attention scores.
    func alignmentPass(session: Session, tokens: [Int], heads: [AlignmentHead]) throws -> AlignmentPass
}

extension WhisperInference {
    public var alignmentHeads: [AlignmentHead] { [] }
    public func alignmentPass(session: Session, tokens: [Int], heads: [AlignmentHead]) throws -> AlignmentPass {
        throw ModelsError.decoding("this model has no alignment pass: word timestamps are unavailable")
    }
}
