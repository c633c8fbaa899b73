import Features

/// The one audio-file reader, `Features.AudioDecoder` (WAV and FLAC natively, every other format
/// through ffmpeg; 16-kHz mono), for the modules that may not import Features: the daemon's file
/// source (`audio.source = "file"`) reads regular files through it, as `captionctl transcribe`
/// does.
public enum RecordedAudio {
    /// The samples of the file at `path` and what the decoder repaired (one line each: a cut FLAC
    /// frame, clipped samples). Throws Features' one-line errors (what, where, how to fix).
    public static func decode(path: String) throws -> (samples: [Float], warnings: [String]) {
        let decoded = try AudioDecoder.decode(AudioInput(path: path))
        return (decoded.samples, decoded.warnings)
    }
}
