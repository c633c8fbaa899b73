/// faster-whisper's _split_segments_by_timestamps: cuts a window's tokens into segments at each
/// pair of consecutive timestamps and says where the next window starts.
struct SegmentSplitter {
    struct Piece: Equatable {
        var start: Double
        var end: Double
        var tokens: [Int]
    }

    let timestampBegin: Int
    /// Seconds per timestamp step (0.02).
    var timePrecision = 0.02
    /// Mel frames per timestamp step (2: the encoder halves the frame rate).
    var inputStride = 2

    /// tokens: one window's output; timeOffset: seconds at `seek`; segmentSize: mel frames of
    /// the window's content. Returns the segments, the next seek and whether the output ended with
    /// a single timestamp.
    func split(tokens: [Int], timeOffset: Double, segmentSize: Int, seek: Int)
        -> (pieces: [Piece], seek: Int, singleTimestampEnding: Bool) {
        let tb = timestampBegin
        let single = tokens.count >= 2 && tokens[tokens.count - 2] < tb && tb <= tokens[tokens.count - 1]
        let consecutive = tokens.indices.filter { $0 > 0 && tokens[$0] >= tb && tokens[$0 - 1] >= tb }
        var pieces: [Piece] = []
        var seek = seek
        if !consecutive.isEmpty {
            var slices = consecutive
            if single { slices.append(tokens.count) }
            var last = 0
            for current in slices {
                let sliced = Array(tokens[last..<current])
                let startPosition = sliced[0] - tb
                let endPosition = sliced[sliced.count - 1] - tb
                pieces.append(Piece(start: timeOffset + Double(startPosition) * timePrecision,
                                    end: timeOffset + Double(endPosition) * timePrecision, tokens: sliced))
                last = current
            }
            if single {
                seek += segmentSize
            } else {
                seek += (tokens[last - 1] - tb) * inputStride
            }
        } else {
            var duration = Double(segmentSize) * 0.01
            let timestamps = tokens.filter { $0 >= tb }
            if let lastStamp = timestamps.last, lastStamp != tb {
                duration = Double(lastStamp - tb) * timePrecision
            }
            pieces.append(Piece(start: timeOffset, end: timeOffset + duration, tokens: tokens))
            seek += segmentSize
        }
        return (pieces, seek, single)
    }
}
