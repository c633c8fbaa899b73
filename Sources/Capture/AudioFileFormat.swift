import CaptionCore
import Foundation

extension AudioFileSource.Format {
    /// The format of the file at `path` as the daemon's file source reads it: WAV when the name
    /// ends in .wav or a regular file starts with "RIFF"; `.encoded` when a regular file starts
    /// with the magic of FLAC, an ID3 tag (MP3), Ogg, Matroska/WebM or an MP4 `ftyp` box, or the
    /// name has a compressed-audio extension (.flac, .mp3, .m4a, …); otherwise headerless S16_LE
    /// mono at the model rate (a FIFO or "-" is not peeked: its first bytes cannot be read twice).
    public static func detect(path: String) -> AudioFileSource.Format {
        let name = path.lowercased()
        if name.hasSuffix(".wav") { return .wav }
        var st = stat()
        if path != "-", stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG,
           let handle = FileHandle(forReadingAtPath: path) {
            defer { try? handle.close() }
            let magic = [UInt8]((try? handle.read(upToCount: 12)) ?? Data())
            if magic.starts(with: Array("RIFF".utf8)) { return .wav }
            if isEncoded(magic: magic) { return .encoded }
        }
        if let dot = name.lastIndex(of: "."), encodedExtensions.contains(String(name[name.index(after: dot)...])) {
            return .encoded
        }
        return .raw(.s16LE, rate: AudioRate.model, channels: 1)
    }

    /// Extensions of compressed and container formats (read by the audio-file reader, not here).
    static let encodedExtensions: Set<String> = ["flac", "mp3", "m4a", "mp4", "aac", "ogg", "oga", "opus",
                                                 "webm", "mkv", "mka", "wma", "aif", "aiff", "caf", "amr", "3gp", "mov"]

    /// Magic numbers of compressed and container formats (no MP3 frame sync: raw PCM starting
    /// with a small negative sample looks the same).
    static func isEncoded(magic m: [UInt8]) -> Bool {
        m.starts(with: Array("fLaC".utf8)) || m.starts(with: Array("ID3".utf8)) || m.starts(with: Array("OggS".utf8))
            || m.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) || (m.count >= 8 && Array(m[4..<8]) == Array("ftyp".utf8))
            || m.starts(with: Array("FORM".utf8))
    }
}
