import Foundation
import CZlib

/// One cross-attention head of the text decoder whose attention follows the audio closely enough
/// to time words: (decoder layer, head index).
public struct AlignmentHead: Equatable, Sendable, Hashable {
    public var layer: Int
    public var head: Int
    public init(layer: Int, head: Int) { self.layer = layer; self.head = head }
}

/// Where the alignment heads of a checkpoint come from: config.json's `alignment_heads` (what
/// CTranslate2's converter writes) or, when that is absent (a Hugging Face checkpoint), openai-whisper's
/// published table for the model size, identified by its dimensions.
public enum AlignmentHeads {
    /// openai-whisper's `_ALIGNMENT_HEADS`: per model, base85 (RFC 1924 alphabet, as Python's
    /// `base64.b85decode`) of a gzip stream holding a (n_text_layer × n_text_head) bool array,
    /// row-major, one byte per head.
    static let published: [String: String] = [
        "tiny.en": "ABzY8J1N>@0{>%R00Bk>$p{7v037`oCl~+#00",
        "tiny": "ABzY8bu8Lr0{>%RKn9Fp%m@SkK7Kt=7ytkO",
        "base.en": "ABzY8;40c<0{>%RzzG;p*o+Vo09|#PsxSZm00",
        "base": "ABzY8KQ!870{>%RzyTQH3`Q^yNP!>##QT-<FaQ7m",
        "small.en": "ABzY8>?_)10{>%RpeA61k&I|OI3I$65C{;;pbCHh0B{qLQ;+}v00",
        "small": "ABzY8DmU6=0{>%Rpa?J`kvJ6qF(V^F86#Xh7JUGMK}P<N0000",
        "medium.en": "ABzY8usPae0{>%R7<zz_OvQ{)4kMa0BMw6u5rT}kRKX;$NfYBv00*Hl@qhsU00",
        "medium": "ABzY8B0Jh+0{>%R7}kK1fFL7w6%<-Pf*t^=N)Qr&0RR9",
        "large-v2": "ABzY8zd+h!0{>%R7=D0pU<_bnWW*tkYAhobTNnu$jnkEkXqp)j;w1Tzk)UH3X%SZd&fFZ2fC2yj",
        "large-v3": "ABzY8gWO1E0{>%R7(9S+Kn!D~%ngiGaR?*L!iJG9p-nab0JQ=-{D1-g00",
    ]

    /// The published model name of a checkpoint from its decoder shape (nil: not a published size).
    /// large-v1 and large-v2 share a shape; v2's heads are used for both (openai-whisper's "large"
    /// meant v2 until v3 appeared).
    static func publishedName(_ dims: WhisperDimensions) -> String? {
        let english = dims.isMultilingual ? "" : ".en"
        switch (dims.nTextLayer, dims.nTextHead, dims.nTextState) {
        case (4, 6, 384): return "tiny" + english
        case (6, 8, 512): return "base" + english
        case (12, 12, 768): return "small" + english
        case (24, 16, 1024): return "medium" + english
        case (32, 20, 1280): return dims.nMels == 128 ? "large-v3" : "large-v2"
        default: return nil
        }
    }

    /// The heads for a model directory: config.json's `alignment_heads` when present, else the
    /// published table, else the last half of the decoder layers, every head (openai-whisper's
    /// default for unknown models).
    public static func resolve(config: [String: Any]?, dims: WhisperDimensions, path: String) throws -> [AlignmentHead] {
        if let raw = config?["alignment_heads"] {
            guard let pairs = raw as? [[Int]], pairs.allSatisfy({ $0.count == 2 }) else {
                throw ModelsError.invalidModel(path: path, reason: "alignment_heads must be a list of [layer, head] pairs")
            }
            let heads = pairs.map { AlignmentHead(layer: $0[0], head: $0[1]) }
            try check(heads, dims: dims, path: path)
            if !heads.isEmpty { return heads }
        }
        if let name = publishedName(dims), let dump = published[name] {
            let heads = try decode(dump, layers: dims.nTextLayer, heads: dims.nTextHead)
            try check(heads, dims: dims, path: path)
            return heads
        }
        return (dims.nTextLayer / 2..<dims.nTextLayer).flatMap { l in
            (0..<dims.nTextHead).map { AlignmentHead(layer: l, head: $0) }
        }
    }

    static func check(_ heads: [AlignmentHead], dims: WhisperDimensions, path: String) throws {
        for h in heads where !(0..<dims.nTextLayer).contains(h.layer) || !(0..<dims.nTextHead).contains(h.head) {
            throw ModelsError.invalidModel(path: path, reason: "alignment head [\(h.layer), \(h.head)] is outside the decoder's \(dims.nTextLayer) layers × \(dims.nTextHead) heads")
        }
    }

    /// Decodes one entry of the published table into heads in row-major order (layer, then head).
    static func decode(_ dump: String, layers: Int, heads: Int) throws -> [AlignmentHead] {
        let mask = try gunzip(base85(dump))
        guard mask.count == layers * heads else {
            throw ModelsError.decoding("alignment head mask has \(mask.count) entries; the model has \(layers) × \(heads) heads")
        }
        return mask.indices.filter { mask[$0] != 0 }.map { AlignmentHead(layer: $0 / heads, head: $0 % heads) }
    }

    /// RFC 1924 base85 (Python's b85decode): 5 characters make 4 bytes, big-endian; a short last
    /// group is padded with the highest digit and its extra bytes dropped.
    static func base85(_ text: String) throws -> [UInt8] {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~".utf8)
        var value = [Int](repeating: -1, count: 256)
        for (i, c) in alphabet.enumerated() { value[Int(c)] = i }
        let chars = Array(text.utf8)
        let padding = (5 - chars.count % 5) % 5
        let padded = chars + [UInt8](repeating: alphabet[84], count: padding)
        var out: [UInt8] = []
        for g in stride(from: 0, to: padded.count, by: 5) {
            var acc: UInt64 = 0
            for c in padded[g..<(g + 5)] {
                let v = value[Int(c)]
                guard v >= 0 else { throw ModelsError.decoding("'\(Character(Unicode.Scalar(c)))' is not a base85 digit") }
                acc = acc * 85 + UInt64(v)
            }
            guard acc <= UInt64(UInt32.max) else { throw ModelsError.decoding("base85 group \(g / 5) overflows 32 bits") }
            out += [UInt8(acc >> 24 & 0xff), UInt8(acc >> 16 & 0xff), UInt8(acc >> 8 & 0xff), UInt8(acc & 0xff)]
        }
        return Array(out.dropLast(padding))
    }

    /// A whole gzip stream inflated (zlib with 16 + MAX_WBITS window bits).
    static func gunzip(_ data: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ModelsError.decoding("zlib inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        var input = data
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var status: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { inp in
            stream.next_in = inp.baseAddress
            stream.avail_in = uInt(inp.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { buf in
                    stream.next_out = buf.baseAddress
                    stream.avail_out = uInt(buf.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                out += chunk[0..<produced]
            } while status == Z_OK && (stream.avail_in > 0 || stream.avail_out == 0)
        }
        guard status == Z_STREAM_END else { throw ModelsError.decoding("gzip stream is corrupt (zlib status \(status))") }
        return out
    }
}

extension AlignmentHeads {
    /// `resolve` with the directory's config.json (absent or unreadable: the published table).
    static func resolve(directory: URL, dims: WhisperDimensions) throws -> [AlignmentHead] {
        let url = directory.appendingPathComponent("config.json")
        let config = (try? Data(contentsOf: url)).flatMap { try? ModelConfig(data: $0, path: url.path) }
        return try resolve(config: config?.object, dims: dims, path: url.path)
    }
}
