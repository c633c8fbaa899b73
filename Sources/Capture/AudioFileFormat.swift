import CaptionCore
import Foundation

extension AudioFileSource.Format {
    /// The format of the file at `path` as the daemon's file source reads it: WAV when the name
    /// ends in .wav or a regular file starts with "RIFF"; otherwise headerless S16_LE mono at the
    /// model rate (a FIFO or "-" is not peeked: its first bytes cannot be read twice).
    public static func detect(path: String) -> AudioFileSource.Format {
        if path.lowercased().hasSuffix(".wav") { return .wav }
        var st = stat()
        if path != "-", stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG,
           let handle = FileHandle(forReadingAtPath: path) {
            defer { try? handle.close() }
            let magic = (try? handle.read(upToCount: 4)) ?? Data()
            if magic == Data("RIFF".utf8) { return .wav }
        }
        return .raw(.s16LE, rate: AudioRate.model, channels: 1)
    }
}
