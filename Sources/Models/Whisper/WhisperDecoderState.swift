import Tensor

/// Per-stream decoder state of a `WhisperModel`: the self-attention KV cache of every layer and a
/// reference to the shared cross-attention K/V of one window. Copying forks it (beam search): the
/// caches are copy-on-write arrays and the scratch workspace is re-created when shared.
public struct WhisperDecoderState: WhisperDecoderSession {
    let model: WhisperModel
    public let memory: CrossAttentionMemory
    var caches: [KVCache]
    var workspace: ForwardWorkspace

    init(model: WhisperModel, memory: CrossAttentionMemory) {
        self.model = model
        self.memory = memory
        let dims = model.dims
        caches = (0..<dims.nTextLayer).map { _ in KVCache(capacity: dims.nTextCtx, width: dims.nTextState) }
        workspace = ForwardWorkspace(width: dims.nTextState)
    }

    public var length: Int { caches.first?.length ?? 0 }

    public mutating func step(_ tokens: [Int]) throws -> [Float] {
        ownWorkspace()
        return try model.decoder.forward(tokens, caches: &caches, cross: memory, workspace, logitRows: (tokens.count - 1)..<tokens.count)
    }

    public mutating func step(_ tokens: [Int], logitsAfter index: Int) throws -> [Float] {
        guard tokens.indices.contains(index) else {
            throw ModelsError.decoding("logits after token \(index) of \(tokens.count) fed")
        }
        ownWorkspace()
        return try model.decoder.forward(tokens, caches: &caches, cross: memory, workspace, logitRows: index..<(index + 1))
    }

    public mutating func stepAll(_ tokens: [Int]) throws -> [[Float]] {
        ownWorkspace()
        let flat = try model.decoder.forward(tokens, caches: &caches, cross: memory, workspace, logitRows: 0..<tokens.count)
        let v = model.dims.nVocab
        return (0..<tokens.count).map { Array(flat[($0 * v)..<(($0 + 1) * v)]) }
    }

    public mutating func truncate(to n: Int) {
        for i in caches.indices { caches[i].truncate(to: n) }
    }

    /// A fork shares the workspace object with its parent; give it its own before writing.
    private mutating func ownWorkspace() {
        if !isKnownUniquelyReferenced(&workspace) { workspace = ForwardWorkspace(width: model.dims.nTextState) }
    }
}
